namespace Segmenter.Core;

/// <summary>User text inside a LIKE pattern, with its wildcards taken literally.</summary>
public static class LikePatterns
{
    public const string EscapeCharacter = "\\";

    /// <summary><c>%text%</c>, with <c>%</c>, <c>_</c> and the escape character in <paramref name="text"/> escaped.</summary>
    public static string Containing(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
