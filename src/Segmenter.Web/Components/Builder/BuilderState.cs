using Segmenter.Core.Rules;

namespace Segmenter.Web.Components.Builder;

/// <summary>
/// What every editor of one builder shares: the tenant's options, the validator's messages and the per-rule
/// counts by JSON path (both set by the page after each count), and the callback that tells the page the tree changed.
/// </summary>
public sealed class BuilderState(RuleChoices options, Func<Task> changed)
{
    public RuleChoices Options { get; } = options;

    /// <summary>Messages by the JSON path the validator gave them (<c>rules[1].value</c>; the root's own under <c>rules</c> or <c>""</c>).</summary>
    public IReadOnlyList<(string Path, string Message)> Errors { get; set; } = [];

    public IReadOnlyDictionary<string, int> Counts { get; set; } = new Dictionary<string, int>();

    /// <summary>Set after a save or preview was tried: from then on rules not yet edited show their messages too.</summary>
    public bool ShowAllErrors { get; set; }

    /// <summary>A static segment's rules record how it was made and are shown, not edited.</summary>
    public bool ReadOnly { get; init; }

    public Task ChangedAsync() => changed();

    public IEnumerable<string> MessagesFor(string path, bool isGroup) =>
        Errors.Where(e => BuilderPaths.Owns(path, e.Path, isGroup)).Select(e => e.Message).Distinct();

    /// <summary>The message for a rule the form knows is unfinished, before any validator sees it.</summary>
    public static string? Unfinished(BuilderRule rule) => rule switch
    {
        { IsBlank: true } => "Pick a field, an event or a segment.",
        { Kind: RuleSubjectKind.Membership, Segment: null } => "Pick a segment.",
        _ => null,
    };
}
