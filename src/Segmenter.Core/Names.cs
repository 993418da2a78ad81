using FluentValidation.Results;

namespace Segmenter.Core;

/// <summary>The names people give things (segments, campaigns, API keys): 1 to 200 characters, not only spaces, no control characters.</summary>
public static class Names
{
    public const int MaxLength = 200;

    public static readonly string Requirement = $"A name of 1 to {MaxLength} characters, without control characters, is required.";

    public static bool IsValid(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= MaxLength && !name.Any(char.IsControl);

    /// <summary>A failure at <paramref name="path"/> when <paramref name="name"/> is not a name; null when it is.</summary>
    public static ValidationFailure? Check(string? name, string path = "name") =>
        IsValid(name) ? null : new ValidationFailure(path, Requirement);
}
