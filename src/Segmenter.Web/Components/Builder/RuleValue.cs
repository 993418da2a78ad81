using System.Globalization;
using System.Text.Json;
using Segmenter.Core.Rules;

namespace Segmenter.Web.Components.Builder;

/// <summary>The input that fits a rule's value type and operator (DESIGN section 4's table).</summary>
public enum ValueEditor
{
    None,
    Text,
    TextList,
    Choice,
    ChoiceList,
    Number,
    NumberRange,
    NumberList,
    Days,
    Date,
    DateRange,
    Month,
    Months,
    Boolean,
}

public static class ValueEditors
{
    public static ValueEditor For(string? type, string @operator, bool hasOptions) => @operator switch
    {
        RuleOperators.IsEmpty or RuleOperators.IsNotEmpty or RuleOperators.AnniversaryToday or "" => ValueEditor.None,
        _ => type switch
        {
            RuleOperators.Types.Text or RuleOperators.Types.Choice => @operator switch
            {
                RuleOperators.In or RuleOperators.NotIn => hasOptions ? ValueEditor.ChoiceList : ValueEditor.TextList,
                RuleOperators.EqualsTo or RuleOperators.NotEquals when hasOptions => ValueEditor.Choice,
                _ => ValueEditor.Text,
            },
            RuleOperators.Types.Number => @operator switch
            {
                RuleOperators.Between => ValueEditor.NumberRange,
                RuleOperators.In or RuleOperators.NotIn => ValueEditor.NumberList,
                _ => ValueEditor.Number,
            },
            RuleOperators.Types.Date or RuleOperators.Types.DateTime => @operator switch
            {
                RuleOperators.WithinDays or RuleOperators.MoreThanDaysAgo or RuleOperators.WithinNextDays => ValueEditor.Days,
                RuleOperators.Between => ValueEditor.DateRange,
                RuleOperators.MonthEquals => ValueEditor.Month,
                RuleOperators.MonthIn => ValueEditor.Months,
                _ => ValueEditor.Date,
            },
            RuleOperators.Types.Boolean => ValueEditor.Boolean,
            RuleOperators.Types.Tags => @operator is RuleOperators.ContainsAny or RuleOperators.ContainsAll ? ValueEditor.TextList : ValueEditor.Text,
            _ => ValueEditor.Text,
        },
    };
}

/// <summary>
/// A rule's value as its editor holds it. Until the marketer edits it, a loaded value is given back exactly as
/// it was read (an ISO instant stays an instant); an edited one is written in the shape the operator expects,
/// and what is missing or malformed is left for the validator to name.
/// </summary>
public sealed class RuleValue
{
    /// <summary>The month editor's choice for "the current month".</summary>
    public const string CurrentMonth = "current";

    private readonly JsonElement? _loaded;
    private bool _edited;
    private string? _text;
    private decimal? _number;
    private decimal? _upperNumber;
    private DateTime? _date;
    private DateTime? _upperDate;
    private bool? _flag;
    private IReadOnlyList<string> _items = [];

    public RuleValue()
    {
        _edited = true;
    }

    private RuleValue(JsonElement? loaded)
    {
        _loaded = loaded;
    }

    public static RuleValue Of(decimal number) => new() { Number = number };

    public string? Text { get => _text; set => Edit(ref _text, value); }

    public decimal? Number { get => _number; set => Edit(ref _number, value); }

    public decimal? UpperNumber { get => _upperNumber; set => Edit(ref _upperNumber, value); }

    public DateTime? Date { get => _date; set => Edit(ref _date, value); }

    public DateTime? UpperDate { get => _upperDate; set => Edit(ref _upperDate, value); }

    public bool? Flag { get => _flag; set => Edit(ref _flag, value); }

    /// <summary>The chips of a list editor, or the months of <c>month_in</c> as "1".."12".</summary>
    public IReadOnlyList<string> Items { get => _items; set => Edit(ref _items, value); }

    /// <summary>The value for the rule language, or null when the editor is empty.</summary>
    public JsonElement? ToJson(ValueEditor editor)
    {
        if (!_edited)
        {
            return _loaded;
        }

        object? value = editor switch
        {
            ValueEditor.Text or ValueEditor.Choice => string.IsNullOrEmpty(_text) ? null : _text,
            ValueEditor.TextList or ValueEditor.ChoiceList => _items.Count == 0 ? null : _items,
            ValueEditor.Number or ValueEditor.Days => _number,
            ValueEditor.NumberRange => _number is null && _upperNumber is null ? null : new[] { _number, _upperNumber },
            ValueEditor.NumberList or ValueEditor.Months => _items.Count == 0 ? null : _items.Select(NumberOrText).ToArray(),
            ValueEditor.Date => DateText(_date),
            ValueEditor.DateRange => _date is null && _upperDate is null ? null : new[] { DateText(_date), DateText(_upperDate) },
            ValueEditor.Month => _text is null or CurrentMonth ? _text : NumberOrText(_text),
            ValueEditor.Boolean => _flag,
            _ => null,
        };
        return value is null ? null : JsonSerializer.SerializeToElement(value);
    }

    /// <summary>A loaded value, read into the editor's inputs as far as its shape allows.</summary>
    public static RuleValue From(ValueEditor editor, JsonElement? json)
    {
        var value = new RuleValue(json);
        if (json is not { } element)
        {
            return value;
        }

        switch (editor)
        {
            case ValueEditor.Text or ValueEditor.Choice when element.ValueKind == JsonValueKind.String:
                value._text = element.GetString();
                break;
            case ValueEditor.TextList or ValueEditor.ChoiceList or ValueEditor.NumberList or ValueEditor.Months when element.ValueKind == JsonValueKind.Array:
                value._items = [.. element.EnumerateArray().Select(ReadText)];
                break;
            case ValueEditor.Number or ValueEditor.Days when element.ValueKind == JsonValueKind.Number:
                value._number = element.GetDecimal();
                break;
            case ValueEditor.NumberRange when element is { ValueKind: JsonValueKind.Array } && element.GetArrayLength() == 2:
                (value._number, value._upperNumber) = (ReadNumber(element[0]), ReadNumber(element[1]));
                break;
            case ValueEditor.Date:
                value._date = ReadDate(element);
                break;
            case ValueEditor.DateRange when element is { ValueKind: JsonValueKind.Array } && element.GetArrayLength() == 2:
                (value._date, value._upperDate) = (ReadDate(element[0]), ReadDate(element[1]));
                break;
            case ValueEditor.Month:
                value._text = ReadText(element);
                break;
            case ValueEditor.Boolean when element.ValueKind is JsonValueKind.True or JsonValueKind.False:
                value._flag = element.GetBoolean();
                break;
        }

        return value;
    }

    private void Edit<T>(ref T field, T value)
    {
        field = value;
        _edited = true;
    }

    private static object NumberOrText(string text) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number) ? number : text;

    private static string? DateText(DateTime? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string ReadText(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

    private static decimal? ReadNumber(JsonElement element) => element.ValueKind == JsonValueKind.Number ? element.GetDecimal() : null;

    private static DateTime? ReadDate(JsonElement element) =>
        element.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at.Date
            : null;
}
