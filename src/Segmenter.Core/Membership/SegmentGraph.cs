using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;

namespace Segmenter.Core.Membership;

/// <summary>One live segment of a tenant: its rules (null for a hand-built list or a definition that no longer parses) and the segments they read.</summary>
public sealed record SegmentNode(Guid Id, string Type, RuleGroup? Definition, IReadOnlyList<Guid> References);

/// <summary>
/// A tenant's live segments as a graph of membership references (DESIGN section 4, rule 5): which segment
/// reads which, the order that refreshes every segment after everything it reads, and who depends on whom.
/// The validator keeps the graph acyclic; a cycle that slipped in anyway is placed last rather than lost.
/// </summary>
public sealed class SegmentGraph
{
    private readonly Dictionary<Guid, SegmentNode> _nodes;
    private readonly Dictionary<Guid, List<Guid>> _readers = [];

    private SegmentGraph(IEnumerable<SegmentNode> nodes)
    {
        _nodes = nodes.ToDictionary(n => n.Id);
        foreach (var node in _nodes.Values)
        {
            foreach (var reference in node.References.Where(_nodes.ContainsKey))
            {
                (_readers.TryGetValue(reference, out var readers) ? readers : _readers[reference] = []).Add(node.Id);
            }
        }

        References = _nodes.ToDictionary(n => n.Key, n => n.Value.References);
        InDependencyOrder = Order(_nodes.Values);
    }

    /// <summary>Each segment's direct references, the shape the rule validator checks cycles on.</summary>
    public IReadOnlyDictionary<Guid, IReadOnlyList<Guid>> References { get; }

    /// <summary>Every segment after every segment it references.</summary>
    public IReadOnlyList<SegmentNode> InDependencyOrder { get; }

    /// <summary>The current tenant's segments that are not deleted.</summary>
    public static async Task<SegmentGraph> LoadAsync(SegmenterDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Segments.AsNoTracking()
            .Live()
            .Select(s => new { s.Id, s.Type, s.Definition })
            .ToListAsync(cancellationToken);
        return From(rows.Select(r => (r.Id, r.Type, r.Definition)));
    }

    public static SegmentGraph From(IEnumerable<(Guid Id, string Type, JsonDocument? Definition)> segments) =>
        new(segments.Select(s =>
        {
            var definition = Parse(s.Definition);
            // A static segment's rules record how it was made and are never evaluated again: they read nothing.
            var reads = definition is null || s.Type == SegmentType.Static ? [] : MembershipReferences(definition);
            return new SegmentNode(s.Id, s.Type, definition, reads);
        }));

    public SegmentNode? Find(Guid id) => _nodes.GetValueOrDefault(id);

    /// <summary>The segments whose rules read <paramref name="id"/> directly.</summary>
    public IReadOnlyList<Guid> ReadersOf(Guid id) => _readers.GetValueOrDefault(id) ?? [];

    /// <summary>The segments that read <paramref name="id"/>, directly or through others, in dependency order.</summary>
    public IReadOnlyList<SegmentNode> DependentsOf(Guid id)
    {
        var found = new HashSet<Guid>();
        var pending = new Stack<Guid>([id]);
        while (pending.TryPop(out var next))
        {
            foreach (var reader in _readers.GetValueOrDefault(next) ?? [])
            {
                if (found.Add(reader))
                {
                    pending.Push(reader);
                }
            }
        }

        return InDependencyOrder.Where(n => found.Contains(n.Id)).ToList();
    }

    /// <summary>
    /// The segments split into groups that share no reference, each group in dependency order: groups can
    /// be refreshed side by side, the segments inside one group one after another.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<SegmentNode>> IndependentChains()
    {
        var group = new Dictionary<Guid, Guid>();
        Guid Root(Guid id)
        {
            while (group.TryGetValue(id, out var parent) && parent != id)
            {
                id = parent;
            }

            return id;
        }

        foreach (var node in _nodes.Values)
        {
            group.TryAdd(node.Id, node.Id);
            foreach (var reference in node.References.Where(_nodes.ContainsKey))
            {
                group.TryAdd(reference, reference);
                group[Root(reference)] = Root(node.Id);
            }
        }

        return InDependencyOrder.GroupBy(n => Root(n.Id)).Select(g => (IReadOnlyList<SegmentNode>)g.ToList()).ToList();
    }

    /// <summary>The segments a definition reads through membership conditions.</summary>
    public static IReadOnlyList<Guid> MembershipReferences(RuleNode definition) => definition switch
    {
        RuleGroup group => group.Rules.SelectMany(MembershipReferences).Distinct().ToList(),
        MembershipCondition membership => [membership.Segment],
        _ => [],
    };

    private static RuleGroup? Parse(JsonDocument? definition)
    {
        try
        {
            return definition is null ? null : RuleJson.ReadDefinition(definition.RootElement);
        }
        catch (RuleJsonException)
        {
            // A stored definition that no longer parses references nothing; refreshing it records the problem.
            return null;
        }
    }

    /// <summary>Kahn's algorithm over the references inside the graph; stable in the input order.</summary>
    private List<SegmentNode> Order(IEnumerable<SegmentNode> nodes)
    {
        var waitingFor = _nodes.Values.ToDictionary(n => n.Id, n => n.References.Count(r => _nodes.ContainsKey(r) && r != n.Id));
        var ready = new Queue<SegmentNode>(nodes.Where(n => waitingFor[n.Id] == 0));
        var ordered = new List<SegmentNode>(_nodes.Count);
        var placed = new HashSet<Guid>();
        while (ready.TryDequeue(out var node))
        {
            ordered.Add(node);
            placed.Add(node.Id);
            foreach (var reader in _readers.GetValueOrDefault(node.Id) ?? [])
            {
                if (--waitingFor[reader] == 0)
                {
                    ready.Enqueue(_nodes[reader]);
                }
            }
        }

        ordered.AddRange(_nodes.Values.Where(n => !placed.Contains(n.Id)));
        return ordered;
    }
}
