using FluentValidation;
using FluentValidation.Results;

namespace Segmenter.Web.Api;

/// <summary>Keyset pagination: <c>limit</c> (1 to 1,000, default 100) rows after the cursor <c>after</c>, in id order.</summary>
internal static class Paging
{
    public const int MaxLimit = 1000;

    public static int Limit(int? limit) => limit switch
    {
        null => 100,
        >= 1 and <= MaxLimit => limit.Value,
        _ => throw Invalid("limit", $"The limit is 1 to {MaxLimit:N0}."),
    };

    /// <summary>The page of <paramref name="items"/> (fetched with one row more than <paramref name="limit"/>) and the cursor of the next.</summary>
    public static ApiPage<TOut> Page<TIn, TOut>(IReadOnlyList<TIn> items, int limit, Func<TIn, Guid> key, Func<TIn, TOut> map) =>
        items.Count > limit
            ? new ApiPage<TOut>(items.Take(limit).Select(map).ToList(), key(items[limit - 1]).ToString())
            : new ApiPage<TOut>(items.Select(map).ToList(), null);

    public static ValidationException Invalid(string path, string message) => new([new ValidationFailure(path, message)]);
}
