namespace Segmenter.Core.Segments;

public static class SegmentType
{
    /// <summary>Rule-based; membership is kept current by the engine.</summary>
    public const string Dynamic = "dynamic";

    /// <summary>A list; membership changes only when someone changes it.</summary>
    public const string Static = "static";

    public static IReadOnlyList<string> All { get; } = [Dynamic, Static];
}
