using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation.Results;
using Segmenter.Core.Fields;
using Segmenter.Core.Rules;

namespace Segmenter.Core.Contacts;

/// <summary>
/// One contact of an upsert, read from its JSON: the email that identifies it, the built-in fields that are
/// present (a present null clears the field), the custom attributes to set (typed by their definitions)
/// and the ones to remove (given as null).
/// </summary>
public sealed partial class ContactInput
{
    /// <summary>The built-in fields an upsert may write, with the bit that marks each as present.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["first_name", "last_name", "phone", "status", "country", "city", "time_zone", "birthday", "subscribed_at", "created_at", "tags"];

    private const int MaxText = 1000;

    public required string Email { get; init; }

    /// <summary>
    /// The email as the database matches it (<c>email_normalized = lower(email)</c>, ADR-003): lower-cased
    /// character by character, so "STRAẞE" is "straße", and "ſ" (long s) stays apart from "s", as in PostgreSQL.
    /// </summary>
    public string EmailKey => Email.ToLowerInvariant();

    /// <summary>A bit per entry of <see cref="Fields"/>: set when the field was given.</summary>
    public int Present { get; private set; }

    public string? FirstName { get; private set; }

    public string? LastName { get; private set; }

    public string? Phone { get; private set; }

    public string? Status { get; private set; }

    public string? Country { get; private set; }

    public string? City { get; private set; }

    public string? TimeZone { get; private set; }

    public DateOnly? Birthday { get; private set; }

    public DateTimeOffset? SubscribedAt { get; private set; }

    public DateTimeOffset? CreatedAt { get; private set; }

    public List<string>? Tags { get; private set; }

    /// <summary>The custom attributes to set, as the JSON object stored in <c>attributes</c>.</summary>
    /// <remarks>Kept as text: a batch holds 10,000 inputs for the whole request, and a node tree per contact costs the GC more than the parse.</remarks>
    public string SetAttributes { get; private set; } = "{}";

    public string[] RemoveAttributes { get; private set; } = [];

    /// <summary>Reads one item, adding a failure at its path for every problem; null when the item cannot be used.</summary>
    public static ContactInput? Read(JsonElement item, string path, FieldCatalog catalog, List<ValidationFailure> failures)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            failures.Add(new ValidationFailure(path, "A contact is a JSON object."));
            return null;
        }

        var before = failures.Count;
        var email = item.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()!.Trim() : null;
        if (email is null || email.Length > 320 || !EmailShape().IsMatch(email))
        {
            failures.Add(new ValidationFailure($"{path}.email", "A valid email address is required."));
        }

        var input = new ContactInput { Email = email ?? "" };
        foreach (var property in item.EnumerateObject())
        {
            var at = new At(path, property.Name);
            var value = property.Value;
            switch (property.Name)
            {
                case "email":
                    break;
                case "first_name": input.FirstName = input.Text(value, 0, at, failures); break;
                case "last_name": input.LastName = input.Text(value, 1, at, failures); break;
                case "phone": input.Phone = input.Text(value, 2, at, failures); break;
                case "status":
                    input.Status = input.Text(value, 3, at, failures)?.ToLowerInvariant();
                    if (input.Status is null || !ContactStatus.All.Contains(input.Status))
                    {
                        failures.Add(new ValidationFailure(at, $"Status must be one of: {string.Join(", ", ContactStatus.All)}."));
                    }

                    break;
                case "country": input.Country = input.Text(value, 4, at, failures); break;
                case "city": input.City = input.Text(value, 5, at, failures); break;
                case "time_zone":
                    input.TimeZone = input.Text(value, 6, at, failures);
                    if (input.TimeZone is { } zone && !IsIanaZone(zone))
                    {
                        failures.Add(new ValidationFailure(at, "Not an IANA time zone (e.g. \"Europe/Oslo\")."));
                    }

                    break;
                case "birthday": input.Birthday = input.Mark(7, value) ? ReadDate(value, at, failures) : null; break;
                case "subscribed_at": input.SubscribedAt = input.Mark(8, value) ? ReadInstant(value, at, failures) : null; break;
                case "created_at":
                    input.CreatedAt = input.Mark(9, value) ? ReadInstant(value, at, failures) : null;
                    if (value.ValueKind == JsonValueKind.Null)
                    {
                        failures.Add(new ValidationFailure(at, "A contact always has a creation instant; leave created_at out to keep it."));
                    }

                    break;
                case "tags": input.Tags = input.Mark(10, value) ? ReadTags(value, at, failures) : []; break;
                case "attributes": input.ReadAttributes(value, at, catalog, failures); break;
                default: failures.Add(new ValidationFailure(at, "This property is not part of a contact.")); break;
            }
        }

        return failures.Count == before ? input : null;
    }

    /// <summary>Marks field <paramref name="bit"/> present; true when it carries a value (not null).</summary>
    private bool Mark(int bit, JsonElement value)
    {
        Present |= 1 << bit;
        return value.ValueKind != JsonValueKind.Null;
    }

    private string? Text(JsonElement value, int bit, At at, List<ValidationFailure> failures)
    {
        if (!Mark(bit, value))
        {
            return null;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        if (text is null || text.Length > MaxText || text.Contains('\0', StringComparison.Ordinal))
        {
            failures.Add(new ValidationFailure(at, $"A string of at most {MaxText} characters (no NUL character), or null."));
            return null;
        }

        return text;
    }

    private void ReadAttributes(JsonElement value, At at, FieldCatalog catalog, List<ValidationFailure> failures)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            failures.Add(new ValidationFailure(at, "Attributes are a JSON object of custom field keys."));
            return;
        }

        var remove = new List<string>();
        var writer = AttributeWriter.Start();
        foreach (var attribute in value.EnumerateObject())
        {
            var name = attribute.Name;
            var field = catalog.Find(name);
            if (field is null || field.BuiltIn)
            {
                failures.Add(new ValidationFailure($"{at}.{name}", $"There is no custom field '{name}'; create it first (POST /api/v1/fields)."));
            }
            else if (attribute.Value.ValueKind == JsonValueKind.Null)
            {
                remove.Add(name);
            }
            else if (Typed(field, attribute.Value) is { } typed)
            {
                AttributeValues.Write(writer, name, field.Type, typed);
            }
            else
            {
                failures.Add(new ValidationFailure($"{at}.{name}", Expected(field)));
            }
        }

        SetAttributes = AttributeWriter.Finish();
        RemoveAttributes = [.. remove];
    }

    /// <summary>The value as the field's type reads it (for <see cref="AttributeValues"/>), or null when it is not of that type.</summary>
    private static object? Typed(RuleField field, JsonElement value) => (field.Type, value.ValueKind) switch
    {
        (FieldType.Number, JsonValueKind.Number) when value.TryGetDecimal(out var d) => d,
        (FieldType.Boolean, JsonValueKind.True or JsonValueKind.False) => value.GetBoolean(),
        (FieldType.Date, JsonValueKind.String) when TryDate(value.GetString()!, out var date) => date,
        (FieldType.DateTime, JsonValueKind.String) when TryInstant(value.GetString()!, out var instant) => instant,
        (FieldType.Text, JsonValueKind.String) when value.GetString() is { Length: <= MaxText } text && !text.Contains('\0', StringComparison.Ordinal) => text,
        (FieldType.Choice, JsonValueKind.String) when field.Options.FirstOrDefault(o => string.Equals(o, value.GetString(), StringComparison.OrdinalIgnoreCase)) is { } option =>
            option,
        _ => null,
    };

    /// <summary>
    /// One JSON writer and buffer per thread for the attributes of the contact being read: a batch reads 10,000
    /// contacts, and a writer, a buffer and a node tree for each cost the GC more than the writing.
    /// </summary>
    private static class AttributeWriter
    {
        [ThreadStatic]
        private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? current;

        public static Utf8JsonWriter Start()
        {
            if (current is not { } state)
            {
                var buffer = new ArrayBufferWriter<byte>(256);
                current = state = (buffer, new Utf8JsonWriter(buffer));
            }

            state.Buffer.ResetWrittenCount();
            state.Writer.Reset(state.Buffer);
            state.Writer.WriteStartObject();
            return state.Writer;
        }

        public static string Finish()
        {
            var (buffer, writer) = current!.Value;
            writer.WriteEndObject();
            writer.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    private static string Expected(RuleField field) => field.Type switch
    {
        FieldType.Number => "A number is expected.",
        FieldType.Boolean => "true or false is expected.",
        FieldType.Date => "A date \"YYYY-MM-DD\" is expected.",
        FieldType.DateTime => "An ISO-8601 instant with its offset (\"2026-11-24T09:30:00Z\") is expected.",
        FieldType.Choice => $"One of: {string.Join(", ", field.Options)}.",
        _ => $"A string of at most {MaxText} characters is expected.",
    };

    private static DateOnly? ReadDate(JsonElement value, At at, List<ValidationFailure> failures)
    {
        if (value.ValueKind == JsonValueKind.String && TryDate(value.GetString()!, out var date))
        {
            return date;
        }

        failures.Add(new ValidationFailure(at, "A date \"YYYY-MM-DD\", or null."));
        return null;
    }

    private static DateTimeOffset? ReadInstant(JsonElement value, At at, List<ValidationFailure> failures)
    {
        if (value.ValueKind == JsonValueKind.String && TryInstant(value.GetString()!, out var instant))
        {
            return instant;
        }

        failures.Add(new ValidationFailure(at, "An ISO-8601 instant with its offset (\"2026-11-24T09:30:00Z\"), or null."));
        return null;
    }

    private static List<string> ReadTags(JsonElement value, At at, List<ValidationFailure> failures)
    {
        if (value.ValueKind != JsonValueKind.Array
            || value.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String || t.GetString()!.Trim().Length is 0 or > 200 || t.GetString()!.Contains('\0', StringComparison.Ordinal)))
        {
            failures.Add(new ValidationFailure(at, "Tags are an array of strings of 1 to 200 characters, or null."));
            return [];
        }

        return value.EnumerateArray().Select(t => t.GetString()!.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>An IANA zone id (PostgreSQL's names); Windows ids, which .NET also resolves, are refused.</summary>
    public static bool IsIanaZone(string zone) => TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var found) && found.HasIanaId;

    private static bool TryDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>An instant must say its offset: a bare local time would mean a different instant on every server.</summary>
    internal static bool TryInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        return InstantShape().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out instant)
            && (instant = instant.ToUniversalTime()) != default;
    }

    /// <summary>The JSON path of a property, spelled out only when a failure names it: a batch reads some 80,000 properties.</summary>
    private readonly record struct At(string Path, string Name)
    {
        public static implicit operator string(At at) => at.ToString();

        public override string ToString() => $"{Path}.{Name}";
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex InstantShape();
}
