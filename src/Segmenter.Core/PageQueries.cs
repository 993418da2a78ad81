namespace Segmenter.Core;

/// <summary>Offset pages for the UI's tables (the API pages by key).</summary>
public static class PageQueries
{
    /// <summary>Page <paramref name="page"/> (from 0) of <paramref name="size"/> rows; a page number past any table stays a valid offset.</summary>
    public static IQueryable<T> PageAt<T>(this IQueryable<T> ordered, int page, int size) =>
        ordered.Skip(Math.Clamp(page, 0, int.MaxValue / size) * size).Take(size);
}
