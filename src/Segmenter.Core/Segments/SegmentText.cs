using FluentValidation.Results;

namespace Segmenter.Core.Segments;

internal static class SegmentText
{
    public const int MaxDescriptionLength = 2000;

    public static readonly string DescriptionRequirement = $"A description has at most {MaxDescriptionLength} characters and no NUL character.";

    /// <summary>Up to <see cref="MaxDescriptionLength"/> characters; line breaks are fine, a NUL (which PostgreSQL cannot store) is not.</summary>
    public static bool IsDescription(string? description) =>
        description is null || (description.Length <= MaxDescriptionLength && !description.Contains('\0', StringComparison.Ordinal));

    /// <summary>Validation failures of a nested object, their paths moved under <paramref name="prefix"/>.</summary>
    public static IEnumerable<ValidationFailure> Under(string prefix, IEnumerable<ValidationFailure> failures) =>
        failures.Select(f => new ValidationFailure(
            string.IsNullOrEmpty(f.PropertyName) ? prefix : $"{prefix}.{f.PropertyName}", f.ErrorMessage, f.AttemptedValue));
}
