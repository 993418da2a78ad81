using FluentValidation.Results;

namespace Segmenter.Core.Segments;

internal static class SegmentText
{
    public const int MaxDescriptionLength = 2000;

    /// <summary>Validation failures of a nested object, their paths moved under <paramref name="prefix"/>.</summary>
    public static IEnumerable<ValidationFailure> Under(string prefix, IEnumerable<ValidationFailure> failures) =>
        failures.Select(f => new ValidationFailure(
            string.IsNullOrEmpty(f.PropertyName) ? prefix : $"{prefix}.{f.PropertyName}", f.ErrorMessage, f.AttemptedValue));
}
