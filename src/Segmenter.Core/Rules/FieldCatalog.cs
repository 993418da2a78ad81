using System.Linq.Expressions;
using Segmenter.Core.Contacts;
using Segmenter.Core.Fields;

namespace Segmenter.Core.Rules;

/// <summary>A field a rule can test: built-in (a column of <c>contacts</c>, or <c>today</c>) or custom (a key of <c>attributes</c>).</summary>
/// <remarks><c>Type</c> is one of <see cref="RuleOperators.Types"/>; <c>Options</c> lists a choice field's values.</remarks>
public sealed record RuleField(string Key, string Label, string Type, bool BuiltIn, IReadOnlyList<string> Options)
{
    public IReadOnlyList<string> Operators => RuleOperators.For(Type);
}

/// <summary>
/// The fields of one tenant: the built-ins plus its custom field definitions. This is the only place a
/// field key becomes a column or a JSON path (<see cref="Access"/>); keys never reach SQL any other way.
/// </summary>
public sealed class FieldCatalog
{
    /// <summary>The built-in <c>today</c>: the current date in the tenant's time zone.</summary>
    public const string Today = "today";

    private static readonly string[] Statuses = [.. ContactStatus.All];

    public static IReadOnlyList<RuleField> BuiltIns { get; } =
    [
        new("email", "Email", RuleOperators.Types.Text, true, []),
        new("first_name", "First name", RuleOperators.Types.Text, true, []),
        new("last_name", "Last name", RuleOperators.Types.Text, true, []),
        new("phone", "Phone", RuleOperators.Types.Text, true, []),
        new("country", "Country", RuleOperators.Types.Text, true, []),
        new("city", "City", RuleOperators.Types.Text, true, []),
        new("time_zone", "Time zone", RuleOperators.Types.Text, true, []),
        new("status", "Status", RuleOperators.Types.Choice, true, Statuses),
        new("birthday", "Birthday", RuleOperators.Types.Date, true, []),
        new("subscribed_at", "Subscribed at", RuleOperators.Types.DateTime, true, []),
        new("created_at", "Created at", RuleOperators.Types.DateTime, true, []),
        new("updated_at", "Updated at", RuleOperators.Types.DateTime, true, []),
        new("tags", "Tags", RuleOperators.Types.Tags, true, []),
        new(Today, "Today", RuleOperators.Types.Date, true, []),
    ];

    private readonly Dictionary<string, RuleField> _fields;

    public FieldCatalog(IEnumerable<FieldDefinition> customFields)
    {
        _fields = BuiltIns.ToDictionary(f => f.Key, StringComparer.Ordinal);
        foreach (var custom in customFields.Where(f => !_fields.ContainsKey(f.Key)))
        {
            _fields[custom.Key] = new RuleField(custom.Key, custom.Label, custom.Type, false, custom.Options);
        }
    }

    /// <summary>Built-ins first, then custom fields by key.</summary>
    public IReadOnlyList<RuleField> Fields => [.. BuiltIns, .. _fields.Values.Where(f => !f.BuiltIn).OrderBy(f => f.Key, StringComparer.Ordinal)];

    public RuleField? Find(string key) => _fields.GetValueOrDefault(key);

    /// <summary>
    /// The field's value on <paramref name="contact"/>: <c>string</c> (text, choice; null when missing),
    /// <c>decimal?</c>, <c>DateOnly?</c>, <c>DateTimeOffset?</c>, <c>bool?</c>, or <c>List&lt;string&gt;</c> (tags).
    /// A custom value of the wrong JSON type reads as null, so it is empty rather than an error.
    /// </summary>
    internal static Expression Access(RuleField field, Expression contact)
    {
        if (field.BuiltIn)
        {
            return field.Key switch
            {
                "email" => Expression.Property(contact, nameof(Contact.Email)),
                "first_name" => Expression.Property(contact, nameof(Contact.FirstName)),
                "last_name" => Expression.Property(contact, nameof(Contact.LastName)),
                "phone" => Expression.Property(contact, nameof(Contact.Phone)),
                "country" => Expression.Property(contact, nameof(Contact.Country)),
                "city" => Expression.Property(contact, nameof(Contact.City)),
                "time_zone" => Expression.Property(contact, nameof(Contact.TimeZone)),
                "status" => Expression.Property(contact, nameof(Contact.Status)),
                "birthday" => Expression.Property(contact, nameof(Contact.Birthday)),
                "subscribed_at" => Expression.Property(contact, nameof(Contact.SubscribedAt)),
                "created_at" => Expression.Convert(Expression.Property(contact, nameof(Contact.CreatedAt)), typeof(DateTimeOffset?)),
                "updated_at" => Expression.Convert(Expression.Property(contact, nameof(Contact.UpdatedAt)), typeof(DateTimeOffset?)),
                "tags" => Expression.Property(contact, nameof(Contact.Tags)),
                _ => throw new ArgumentException($"The built-in field '{field.Key}' is not a column.", nameof(field)),
            };
        }

        return RuleSql.Read(Expression.Property(contact, nameof(Contact.Attributes)), field.Key, field.Type);
    }
}
