using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segmenter.Core.Rules;

/// <summary>A rule tree's JSON is malformed at <see cref="JsonException.Path"/> (e.g. <c>rules[1].within_days</c>).</summary>
public sealed class RuleJsonException(string message, string path) : JsonException(message, path, null, null);

/// <summary>
/// Reads and writes the rule language's JSON (DESIGN section 4). A node's kind is told by its keys:
/// <c>rules</c>/<c>logic</c> a group, <c>field</c> a field condition, <c>event</c> an event condition,
/// <c>segment</c> a membership condition. Structure errors (a node that is not an object, a key of the
/// wrong JSON type, an unknown key) throw <see cref="RuleJsonException"/> with the path; everything that
/// depends on meaning (operators, values, fields) is left to the validator.
/// </summary>
public static class RuleJson
{
    private static readonly string[] NodeKinds = ["rules", "field", "event", "segment"];

    public static RuleGroup ParseDefinition(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ReadDefinition(document.RootElement);
    }

    /// <summary>A definition must be a group.</summary>
    public static RuleGroup ReadDefinition(JsonElement json, string path = "") =>
        ReadNode(json, path) as RuleGroup
        ?? throw new RuleJsonException("A definition must be a group: {\"logic\": \"and\", \"rules\": [...]}.", path);

    /// <summary>Reads <c>{"name": ..., "description": ..., "conditions": [...], "logic": "AND"}</c>.</summary>
    public static RuleShorthand ReadShorthand(JsonElement json)
    {
        ExpectObject(json, "");
        ExpectOnly(json, "", "name", "description", "conditions", "logic");
        var conditions = json.TryGetProperty("conditions", out var c)
            ? ReadNodes(c, "conditions")
            : throw new RuleJsonException("The shorthand needs \"conditions\".", "conditions");
        return new RuleShorthand(
            OptionalString(json, "", "name"),
            OptionalString(json, "", "description"),
            new RuleGroup(ReadLogic(json, ""), conditions));
    }

    public static string Serialize(RuleNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static JsonDocument ToDocument(RuleGroup definition) => JsonDocument.Parse(Serialize(definition));

    internal static RuleNode ReadNode(JsonElement json, string path)
    {
        ExpectObject(json, path);
        var kinds = NodeKinds.Where(k => json.TryGetProperty(k, out _)).ToList();
        if (kinds.Count == 0 && json.TryGetProperty("logic", out _))
        {
            kinds.Add("rules");
        }

        if (kinds.Count != 1)
        {
            throw new RuleJsonException(
                kinds.Count == 0
                    ? "A rule needs \"field\", \"event\" or \"segment\"; a group needs \"rules\"."
                    : $"A rule has exactly one of \"field\", \"event\", \"segment\" or \"rules\", not {string.Join(" and ", kinds.Select(k => $"\"{k}\""))}.",
                path);
        }

        return kinds[0] switch
        {
            "rules" => ReadGroup(json, path),
            "field" => ReadField(json, path),
            "event" => ReadEvent(json, path),
            _ => ReadMembership(json, path),
        };
    }

    private static RuleGroup ReadGroup(JsonElement json, string path)
    {
        ExpectOnly(json, path, "logic", "rules", "negate");
        var rules = json.TryGetProperty("rules", out var r) ? ReadNodes(r, Join(path, "rules")) : [];
        var negate = json.TryGetProperty("negate", out var n) && n.ValueKind != JsonValueKind.Null && (n.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new RuleJsonException("\"negate\" must be true or false.", Join(path, "negate")),
        });
        return new RuleGroup(ReadLogic(json, path), rules, negate);
    }

    private static FieldCondition ReadField(JsonElement json, string path)
    {
        ExpectOnly(json, path, "field", "operator", "value");
        return new FieldCondition(RequiredString(json, path, "field"), OptionalString(json, path, "operator") ?? "", Value(json));
    }

    private static EventCondition ReadEvent(JsonElement json, string path)
    {
        ExpectOnly(json, path, "event", "aggregate", "property", "within_days", "where", "operator", "value");
        var filters = new List<EventFilter>();
        if (json.TryGetProperty("where", out var where) && where.ValueKind != JsonValueKind.Null)
        {
            var wherePath = Join(path, "where");
            if (where.ValueKind != JsonValueKind.Array)
            {
                throw new RuleJsonException("\"where\" must be a list of filters.", wherePath);
            }

            var i = 0;
            foreach (var filter in where.EnumerateArray())
            {
                var filterPath = $"{wherePath}[{i++}]";
                ExpectObject(filter, filterPath);
                ExpectOnly(filter, filterPath, "property", "operator", "value");
                filters.Add(new EventFilter(
                    OptionalString(filter, filterPath, "property") ?? "",
                    OptionalString(filter, filterPath, "operator") ?? "",
                    Value(filter)));
            }
        }

        return new EventCondition(
            RequiredString(json, path, "event"),
            OptionalString(json, path, "aggregate")?.ToLowerInvariant() ?? EventCondition.Count,
            OptionalString(json, path, "property"),
            OptionalInt(json, path, "within_days"),
            filters,
            OptionalString(json, path, "operator") ?? "",
            Value(json));
    }

    private static MembershipCondition ReadMembership(JsonElement json, string path)
    {
        ExpectOnly(json, path, "segment", "operator", "entered_within_days");
        var segmentPath = Join(path, "segment");
        var segment = json.GetProperty("segment");
        if (segment.ValueKind != JsonValueKind.String || !Guid.TryParse(segment.GetString(), out var id))
        {
            throw new RuleJsonException("\"segment\" must be a segment id (a UUID string).", segmentPath);
        }

        return new MembershipCondition(id, OptionalString(json, path, "operator") ?? "", OptionalInt(json, path, "entered_within_days"));
    }

    private static List<RuleNode> ReadNodes(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Array)
        {
            throw new RuleJsonException("Expected a list of rules.", path);
        }

        return json.EnumerateArray().Select((node, i) => ReadNode(node, $"{path}[{i}]")).ToList();
    }

    private static string ReadLogic(JsonElement json, string path) =>
        OptionalString(json, path, "logic")?.ToLowerInvariant() ?? RuleGroup.And;

    private static JsonElement? Value(JsonElement json) =>
        json.TryGetProperty("value", out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : null;

    private static string RequiredString(JsonElement json, string path, string name) =>
        OptionalString(json, path, name) ?? throw new RuleJsonException($"\"{name}\" is required.", Join(path, name));

    private static string? OptionalString(JsonElement json, string path, string name) =>
        !json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new RuleJsonException($"\"{name}\" must be a string.", Join(path, name));

    private static int? OptionalInt(JsonElement json, string path, string name) =>
        !json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n
        : throw new RuleJsonException($"\"{name}\" must be a whole number of days.", Join(path, name));

    private static void ExpectObject(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new RuleJsonException("Expected a JSON object.", path);
        }
    }

    private static void ExpectOnly(JsonElement json, string path, params string[] names)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new RuleJsonException(
                    $"Unknown property \"{property.Name}\"; expected {string.Join(", ", names.Select(n => $"\"{n}\""))}.",
                    Join(path, property.Name));
            }
        }
    }

    /// <summary>The JSON path of <paramref name="name"/> under <paramref name="path"/> (the root's path is empty).</summary>
    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    internal static void Write(Utf8JsonWriter writer, RuleNode node)
    {
        writer.WriteStartObject();
        switch (node)
        {
            case RuleGroup group:
                writer.WriteString("logic", group.Logic);
                writer.WriteStartArray("rules");
                foreach (var rule in group.Rules)
                {
                    Write(writer, rule);
                }

                writer.WriteEndArray();
                if (group.Negate)
                {
                    writer.WriteBoolean("negate", true);
                }

                break;
            case FieldCondition field:
                writer.WriteString("field", field.Field);
                writer.WriteString("operator", field.Operator);
                WriteValue(writer, field.Value);
                break;
            case EventCondition e:
                writer.WriteString("event", e.Event);
                writer.WriteString("aggregate", e.Aggregate);
                if (e.Property is not null)
                {
                    writer.WriteString("property", e.Property);
                }

                if (e.WithinDays is { } days)
                {
                    writer.WriteNumber("within_days", days);
                }

                if (e.Where.Count > 0)
                {
                    writer.WriteStartArray("where");
                    foreach (var filter in e.Where)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("property", filter.Property);
                        writer.WriteString("operator", filter.Operator);
                        WriteValue(writer, filter.Value);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }

                writer.WriteString("operator", e.Operator);
                WriteValue(writer, e.Value);
                break;
            case MembershipCondition m:
                writer.WriteString("segment", m.Segment);
                writer.WriteString("operator", m.Operator);
                if (m.EnteredWithinDays is { } entered)
                {
                    writer.WriteNumber("entered_within_days", entered);
                }

                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement? value)
    {
        if (value is { } v)
        {
            writer.WritePropertyName("value");
            v.WriteTo(writer);
        }
    }
}

/// <summary>System.Text.Json support for rule nodes, through <see cref="RuleJson"/>.</summary>
public sealed class RuleNodeJsonConverter<T> : JsonConverter<T>
    where T : RuleNode
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return RuleJson.ReadNode(document.RootElement, "") as T
            ?? throw new RuleJsonException($"Expected a {typeof(T).Name}.", "");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => RuleJson.Write(writer, value);
}
