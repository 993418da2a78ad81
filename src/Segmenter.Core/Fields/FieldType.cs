namespace Segmenter.Core.Fields;

/// <summary>The type of a custom field, as stored in <c>field_definitions.type</c>.</summary>
public static class FieldType
{
    public const string Text = "text";
    public const string Number = "number";
    public const string Date = "date";
    public const string DateTime = "datetime";
    public const string Boolean = "boolean";
    public const string Choice = "choice";

    public static IReadOnlyList<string> All { get; } = [Text, Number, Date, DateTime, Boolean, Choice];
}
