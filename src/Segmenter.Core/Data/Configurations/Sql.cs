namespace Segmenter.Core.Data.Configurations;

internal static class Sql
{
    /// <summary><c>column IN ('a', 'b')</c> for a check constraint over a fixed set of values.</summary>
    public static string OneOf(string column, IEnumerable<string> values) =>
        $"{column} IN ({string.Join(", ", values.Select(v => $"'{v}'"))})";

    public const string Now = "now()";
}
