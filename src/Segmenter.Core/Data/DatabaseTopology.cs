namespace Segmenter.Core.Data;

/// <summary>
/// One PostgreSQL cluster: the primary the app writes to as its own role, the owner that migrates it, and an
/// optional streaming replica that previews, counts, member lists and exports read from.
/// </summary>
public sealed record Cluster(string Name, string Primary, string? Owner = null, string? ReadReplica = null)
{
    /// <summary>The name only: the connection strings hold passwords, and a cluster ends up in logs.</summary>
    public override string ToString() => Name;
}

/// <summary>
/// The clusters Segmenter runs on (docs/scaling.md). The home cluster holds the catalogue — users, tenants with
/// their placement, memberships, API keys, Hangfire's jobs, the data-protection keys — and the data of every
/// tenant placed nowhere else; each further shard holds the data of the tenants placed on it, under the same
/// schema. A tenant never spans two clusters, so every query of a tenant runs on one.
/// </summary>
public sealed class DatabaseTopology
{
    /// <summary>The name of the home cluster (<c>ConnectionStrings:Segmenter</c>).</summary>
    public const string HomeName = "home";

    private readonly Dictionary<string, Cluster> _clusters;
    private readonly List<Cluster> _ordered;

    public DatabaseTopology(Cluster home, IEnumerable<Cluster>? shards = null)
    {
        if (home.Name != HomeName)
        {
            throw new ArgumentException($"The home cluster is named '{HomeName}'.", nameof(home));
        }

        Home = home;
        _clusters = new Dictionary<string, Cluster>(StringComparer.Ordinal) { [HomeName] = home };
        _ordered = [home];
        foreach (var shard in shards ?? [])
        {
            if (!_clusters.TryAdd(shard.Name, shard))
            {
                throw new ArgumentException($"Two clusters are named '{shard.Name}'.", nameof(shards));
            }

            _ordered.Add(shard);
        }
    }

    public Cluster Home { get; }

    /// <summary>Home first, then the shards.</summary>
    public IReadOnlyList<Cluster> All => _ordered;

    /// <summary>Whether tenants can live anywhere but home; when not, no placement is ever looked up.</summary>
    public bool IsSharded => _clusters.Count > 1;

    public bool Contains(string name) => _clusters.ContainsKey(name);

    /// <summary>The cluster of that name; null is home.</summary>
    public Cluster this[string? name] =>
        name is null ? Home
        : _clusters.TryGetValue(name, out var cluster) ? cluster
        : throw new InvalidOperationException($"No cluster is named '{name}': add it under Segmenter:Shards, or place the tenant on a configured shard.");
}
