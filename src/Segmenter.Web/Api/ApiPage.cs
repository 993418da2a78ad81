namespace Segmenter.Web.Api;

/// <summary>Every list of the API: <c>{items, next}</c>, where <c>next</c> is the <c>after</c> cursor of the following page, null at the end.</summary>
internal sealed record ApiPage<T>(IReadOnlyList<T> Items, string? Next);
