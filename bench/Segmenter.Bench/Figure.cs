using System.Globalization;
using System.Text;

namespace Segmenter.Bench;

/// <summary>
/// One measured figure and, when it has one, its target: at most <see cref="Limit"/>, or at least it when
/// <see cref="AtLeast"/>. <see cref="Passed"/> is null for figures without a target.
/// </summary>
internal sealed record Figure(string Name, double Value, string Unit, double? Limit = null, bool AtLeast = false)
{
    public bool? Passed => Limit is { } limit ? AtLeast ? Value >= limit : Value <= limit : null;

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static string Table(IEnumerable<Figure> figures)
    {
        var table = new StringBuilder("| figure | measured | target | result |\n|---|---|---|---|\n");
        foreach (var f in figures)
        {
            var result = f.Passed switch { true => "PASS", false => "FAIL", null => "" };
            var target = f.Limit is { } limit ? string.Create(CultureInfo.InvariantCulture, $"{(f.AtLeast ? "≥" : "≤")} {limit:#,0.##} {f.Unit}") : "";
            table.Append(CultureInfo.InvariantCulture, $"| {f.Name} | {f.Value:#,0.#} {f.Unit} | {target} | {result} |\n");
        }

        return table.ToString();
    }
}
