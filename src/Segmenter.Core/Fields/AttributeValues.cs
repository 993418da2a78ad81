using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Segmenter.Core.Fields;

/// <summary>
/// Writes custom attribute values as typed JSON, so PostgreSQL can compare them without guessing:
/// numbers as JSON numbers, dates as "YYYY-MM-DD", datetimes as ISO-8601 instants in UTC to the microsecond (PostgreSQL's precision), booleans as
/// JSON booleans, text and choice as strings.
/// </summary>
public static class AttributeValues
{
    public static JsonNode? ToJson(string fieldType, object? value) => (fieldType, value) switch
    {
        (_, null) => null,
        (FieldType.Number, decimal d) => JsonValue.Create(d),
        (FieldType.Number, int i) => JsonValue.Create(i),
        (FieldType.Number, long l) => JsonValue.Create(l),
        (FieldType.Number, double d) when double.IsFinite(d) => JsonValue.Create(d),
        (FieldType.Date, DateOnly d) => JsonValue.Create(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        (FieldType.DateTime, DateTimeOffset t) =>
            JsonValue.Create(t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture)),
        (FieldType.Boolean, bool b) => JsonValue.Create(b),
        (FieldType.Text or FieldType.Choice, string s) => JsonValue.Create(s),
        _ => throw new ArgumentException(
            $"A {value.GetType().Name} value cannot be stored in a {fieldType} field.", nameof(value)),
    };

    /// <summary>Builds an <c>attributes</c> document from (type, value) pairs; null values are left out.</summary>
    public static JsonDocument ToDocument(IEnumerable<KeyValuePair<string, (string Type, object? Value)>> values)
    {
        var json = new JsonObject();
        foreach (var (key, (type, value)) in values)
        {
            if (ToJson(type, value) is { } node)
            {
                json[key] = node;
            }
        }

        return JsonSerializer.SerializeToDocument(json);
    }
}
