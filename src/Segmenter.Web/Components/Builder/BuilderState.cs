using Segmenter.Core.Rules;

namespace Segmenter.Web.Components.Builder;

/// <summary>
/// What every editor of one builder shares: the tenant's options, the validator's messages and the per-rule
/// counts (both set by the page after each count, and held by node, so a rule removed or moved meanwhile
/// never shows another rule's), and the callback that tells the page the tree changed.
/// </summary>
public sealed class BuilderState(RuleChoices options, Func<Task> changed)
{
    private Dictionary<int, List<string>> _messages = [];
    private IReadOnlyDictionary<int, int> _counts = new Dictionary<int, int>();

    public RuleChoices Options { get; } = options;

    /// <summary>Set after a save or preview was tried: from then on rules not yet edited show their messages too.</summary>
    public bool ShowAllErrors { get; set; }

    /// <summary>A static segment's rules record how it was made and are shown, not edited.</summary>
    public bool ReadOnly { get; init; }

    public bool HasErrors => _messages.Count > 0;

    public Task ChangedAsync() => changed();

    /// <summary>
    /// Gives each message to the node of <paramref name="root"/> its JSON path names: a rule for <c>rules[1].value</c>,
    /// a group for its own path or <c>rules</c> under it (the root's path is empty).
    /// </summary>
    public void SetErrors(BuilderGroup root, IEnumerable<(string Path, string Message)> errors)
    {
        var nodes = root.NodesWithPaths().ToList();
        _messages = errors
            .Select(error => (Owner: nodes.Where(n => BuilderPaths.Owns(n.Path, error.Path, n.Node is BuilderGroup)).MaxBy(n => n.Path.Length).Node, error.Message))
            .Where(error => error.Owner is not null)
            .GroupBy(error => error.Owner!.Key)
            .ToDictionary(g => g.Key, g => g.Select(error => error.Message).Distinct().ToList());
    }

    /// <summary>Each rule's count on its own, by <see cref="BuilderNode.Key"/>.</summary>
    public void SetCounts(IReadOnlyDictionary<int, int> counts) => _counts = counts;

    public IReadOnlyList<string> MessagesFor(BuilderNode node) => _messages.TryGetValue(node.Key, out var messages) ? messages : [];

    public int? CountOf(BuilderNode node) => _counts.TryGetValue(node.Key, out var count) ? count : null;

    /// <summary>The message for a rule the form knows is unfinished, before any validator sees it.</summary>
    public static string? Unfinished(BuilderRule rule) => rule switch
    {
        { IsBlank: true } => "Pick a field, an event or a segment.",
        { Kind: RuleSubjectKind.Membership, Segment: null } => "Pick a segment.",
        _ => null,
    };
}
