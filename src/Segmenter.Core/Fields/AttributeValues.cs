using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Segmenter.Core.Fields;

/// <summary>
/// Writes custom attribute values as typed JSON, so PostgreSQL can compare them without guessing:
/// numbers as JSON numbers, dates as "YYYY-MM-DD", datetimes as ISO-8601 instants in UTC to the microsecond (PostgreSQL's precision), booleans as
/// JSON booleans, text and choice as strings.
/// </summary>
public static class AttributeValues
{
    /// <summary>Writes <paramref name="key"/> and the value as a field of <paramref name="fieldType"/> stores it; a null value is left out.</summary>
    /// <exception cref="ArgumentException">The value is not of the field's type.</exception>
    public static void Write(Utf8JsonWriter writer, string key, string fieldType, object? value)
    {
        switch (fieldType, value)
        {
            case (_, null):
                return;
            case (FieldType.Number, decimal d):
                writer.WriteNumber(key, d);
                break;
            case (FieldType.Number, int i):
                writer.WriteNumber(key, i);
                break;
            case (FieldType.Number, long l):
                writer.WriteNumber(key, l);
                break;
            case (FieldType.Number, double d) when double.IsFinite(d):
                writer.WriteNumber(key, d);
                break;
            case (FieldType.Date, DateOnly d):
                writer.WriteString(key, d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case (FieldType.DateTime, DateTimeOffset t):
                writer.WriteString(key, t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture));
                break;
            case (FieldType.Boolean, bool b):
                writer.WriteBoolean(key, b);
                break;
            case (FieldType.Text or FieldType.Choice, string s):
                writer.WriteString(key, s);
                break;
            default:
                throw new ArgumentException($"A {value.GetType().Name} value cannot be stored in a {fieldType} field.", nameof(value));
        }
    }

    /// <summary>Builds an <c>attributes</c> document from (type, value) pairs; null values are left out.</summary>
    public static JsonDocument ToDocument(IEnumerable<KeyValuePair<string, (string Type, object? Value)>> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, (type, value)) in values)
            {
                Write(writer, key, type, value);
            }

            writer.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }
}
