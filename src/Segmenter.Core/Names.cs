using FluentValidation.Results;

namespace Segmenter.Core;

/// <summary>The names people give things (segments, campaigns, API keys): 1 to 200 characters, not only spaces.</summary>
public static class Names
{
    public const int MaxLength = 200;

    /// <summary>A failure at <paramref name="path"/> when <paramref name="name"/> is not a name; null when it is.</summary>
    public static ValidationFailure? Check(string? name, string path = "name") =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxLength
            ? new ValidationFailure(path, $"A name of 1 to {MaxLength} characters is required.")
            : null;
}
