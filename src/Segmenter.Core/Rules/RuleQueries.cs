using System.Globalization;
using System.Linq.Expressions;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Segments;

namespace Segmenter.Core.Rules;

/// <summary>One page of matching contacts in id order; <c>Next</c> is the cursor for the following page, null at the end.</summary>
public sealed record ContactPage(IReadOnlyList<Contact> Items, Guid? Next);

/// <summary>
/// A validated definition as one predicate in both shapes (<see cref="RuleTranslator"/>): <see cref="Predicate"/>
/// over all the tenant's contacts, <see cref="PerContact"/> for a few looked up by key; <see cref="Matches"/>,
/// the ids it matches for counting them (<see cref="RuleTranslator.MatchesForAll"/>); with the environment
/// (fields, time zone, now) it was translated in.
/// </summary>
public sealed record CompiledRule(
    Expression<Func<Contact, bool>> Predicate, Expression<Func<Contact, bool>> PerContact, MatchedIds Matches, RuleEnvironment Environment);

/// <summary>A node of a definition and whether one contact matches it, with its children for a group.</summary>
public sealed record ExplainedNode(string Path, RuleNode Node, bool Matched, IReadOnlyList<ExplainedNode> Children);

/// <summary>A segment a membership condition can name.</summary>
public sealed record SegmentChoice(Guid Id, string Name, int MemberCount);

/// <summary>What a definition can test in one tenant, as the builder offers it: fields, the event types sent so far, other segments, the depth limit.</summary>
public sealed record RuleChoices(FieldCatalog Catalog, IReadOnlyList<string> EventTypes, IReadOnlyList<SegmentChoice> Segments, int MaxDepth);

/// <summary>
/// The questions every screen and endpoint asks of a definition, for the current tenant: is it valid, how
/// many match, which ones, what does each rule match alone, and why is this contact in or out. Each one
/// validates first (throwing <see cref="ValidationException"/> with JSON paths) and then runs one SQL
/// predicate, evaluated in the tenant's time zone at the <see cref="TimeProvider"/>'s now.
/// </summary>
public sealed class RuleQueries(SegmenterDbContext db, TimeProvider clock, IOptions<RuleLimits> limits)
{
    public async Task<RuleEnvironment> EnvironmentAsync(CancellationToken cancellationToken)
    {
        var timeZone = await db.Tenants.Select(t => t.TimeZone).SingleAsync(cancellationToken);
        var fields = await db.FieldDefinitions.AsNoTracking().ToListAsync(cancellationToken);
        return new RuleEnvironment(new FieldCatalog(fields), TimeZoneInfo.FindSystemTimeZoneById(timeZone), clock.GetUtcNow());
    }

    /// <param name="segmentId">The segment being edited, left out of the segments it can name.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<RuleChoices> ChoicesAsync(Guid? segmentId, CancellationToken cancellationToken)
    {
        var environment = await EnvironmentAsync(cancellationToken);
        var eventTypes = await db.EventTypes.OrderBy(t => t.Type).Select(t => t.Type).ToListAsync(cancellationToken);
        var segments = await db.Segments.AsNoTracking().Live().Where(s => s.Id != segmentId).OrderBy(s => s.Name)
            .Select(s => new SegmentChoice(s.Id, s.Name, s.MemberCount)).ToListAsync(cancellationToken);
        return new RuleChoices(environment.Catalog, eventTypes, segments, limits.Value.MaxDepth);
    }

    /// <param name="definition">The tree to check.</param>
    /// <param name="segmentId">The segment the definition belongs to, so that a reference back to it is caught as a cycle.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<ValidationResult> ValidateAsync(RuleGroup definition, Guid? segmentId, CancellationToken cancellationToken)
    {
        var environment = await EnvironmentAsync(cancellationToken);
        return await ValidateAsync(definition, segmentId, environment, cancellationToken);
    }

    /// <exception cref="QueryTimeoutException">The count ran past <see cref="RuleLimits.QueryTimeoutMs"/>.</exception>
    public async Task<int> CountAsync(RuleGroup definition, CancellationToken cancellationToken)
    {
        var matches = (await CompileAsync(definition, null, cancellationToken)).Matches;
        return await CountAsync(matches, cancellationToken);
    }

    /// <exception cref="QueryTimeoutException">The page ran past <see cref="RuleLimits.QueryTimeoutMs"/>.</exception>
    public async Task<ContactPage> PageAsync(RuleGroup definition, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var matches = db.Contacts.AsNoTracking().Where(await CompileAsync(definition, cancellationToken));
        if (after is { } cursor)
        {
            matches = matches.Where(c => c.Id.CompareTo(cursor) > 0);
        }

        var items = await TimedAsync(() => matches.OrderBy(c => c.Id).Take(limit + 1).ToListAsync(cancellationToken), "preview", cancellationToken);
        return items.Count > limit ? new ContactPage(items[..limit], items[limit - 1].Id) : new ContactPage(items, null);
    }

    /// <summary>
    /// How many contacts each condition matches on its own (the builder shows it beside the rule), in the order
    /// given: null for a condition that is not valid alone. One read of the tenant's fields and segments for all.
    /// </summary>
    public async Task<IReadOnlyList<int?>> CountEachAsync(IReadOnlyList<RuleNode> conditions, CancellationToken cancellationToken)
    {
        var environment = await EnvironmentAsync(cancellationToken);
        var validator = Validator(null, environment, await SegmentGraph.LoadAsync(db, cancellationToken));
        var counts = new List<int?>();
        foreach (var condition in conditions)
        {
            var alone = new RuleGroup(RuleGroup.And, [condition]);
            if (!(await validator.ValidateAsync(alone, cancellationToken)).IsValid)
            {
                counts.Add(null);
                continue;
            }

            var matches = RuleTranslator.MatchesForAll(alone, environment, db.Contacts, db.ContactEvents, db.ContactEventTotals);
            try
            {
                counts.Add(await CountAsync(matches, cancellationToken));
            }
            catch (QueryTimeoutException)
            {
                // One slow rule leaves its own count blank; the others still show.
                counts.Add(null);
            }
        }

        return counts;
    }

    /// <summary>The tree with <c>matched</c> on every node for one contact; null when the contact does not exist.</summary>
    public async Task<ExplainedNode?> ExplainAsync(RuleGroup definition, Guid contactId, CancellationToken cancellationToken)
    {
        var environment = await ValidEnvironmentAsync(definition, cancellationToken);
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, cancellationToken))
        {
            return null;
        }

        var matched = new Dictionary<string, bool>();
        foreach (var (path, node) in Nodes(definition, ""))
        {
            var predicate = RuleTranslator.TranslateNode(node, environment);
            matched[path] = await db.Contacts.Where(c => c.Id == contactId).AnyAsync(predicate, cancellationToken);
        }

        return Explain(definition, "", matched);
    }

    /// <summary>
    /// The definition validated against the tenant as it is now and translated, for the membership engine;
    /// <paramref name="segmentId"/> is the segment that owns it, so a reference back to it is a cycle.
    /// </summary>
    public async Task<CompiledRule> CompileAsync(RuleGroup definition, Guid? segmentId, CancellationToken cancellationToken)
    {
        var environment = await EnvironmentAsync(cancellationToken);
        var graph = await SegmentGraph.LoadAsync(db, cancellationToken);
        return Compile(definition, segmentId, environment, graph);
    }

    /// <summary>Validates and translates against an environment and graph already read, for evaluating many segments at once.</summary>
    public CompiledRule Compile(RuleGroup definition, Guid? segmentId, RuleEnvironment environment, SegmentGraph graph)
    {
        var result = Validator(segmentId, environment, graph).Validate(definition);
        if (!result.IsValid)
        {
            throw new ValidationException(result.Errors);
        }

        var (predicate, matches) = RuleTranslator.ForAll(definition, environment, db.Contacts, db.ContactEvents, db.ContactEventTotals);
        return new CompiledRule(predicate, RuleTranslator.Translate(definition, environment), matches, environment);
    }

    private Task<int> CountAsync(MatchedIds matches, CancellationToken cancellationToken) =>
        TimedAsync(
            async () =>
            {
                await using var command = db.Around(matches.Ids, matches.Counting);
                return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            },
            "count",
            cancellationToken);

    /// <summary>One read under the statement timeout of <see cref="RuleLimits.QueryTimeoutMs"/> (<see cref="TimedReads"/>).</summary>
    private Task<T> TimedAsync<T>(Func<Task<T>> read, string what, CancellationToken cancellationToken) =>
        db.TimedAsync(read, what, limits.Value.QueryTimeoutMs, cancellationToken);

    private async Task<Expression<Func<Contact, bool>>> CompileAsync(RuleGroup definition, CancellationToken cancellationToken) =>
        (await CompileAsync(definition, null, cancellationToken)).Predicate;

    private async Task<RuleEnvironment> ValidEnvironmentAsync(RuleGroup definition, CancellationToken cancellationToken) =>
        (await CompileAsync(definition, null, cancellationToken)).Environment;

    private async Task<ValidationResult> ValidateAsync(
        RuleGroup definition, Guid? segmentId, RuleEnvironment environment, CancellationToken cancellationToken)
    {
        var graph = await SegmentGraph.LoadAsync(db, cancellationToken);
        return await Validator(segmentId, environment, graph).ValidateAsync(definition, cancellationToken);
    }

    private RuleValidator Validator(Guid? segmentId, RuleEnvironment environment, SegmentGraph graph) =>
        new(new RuleValidationContext(environment.Catalog, graph.References, segmentId, limits.Value));

    private static IEnumerable<(string Path, RuleNode Node)> Nodes(RuleNode node, string path)
    {
        yield return (path, node);
        if (node is RuleGroup group)
        {
            for (var i = 0; i < group.Rules.Count; i++)
            {
                foreach (var child in Nodes(group.Rules[i], $"{RuleJson.Join(path, "rules")}[{i}]"))
                {
                    yield return child;
                }
            }
        }
    }

    private static ExplainedNode Explain(RuleNode node, string path, Dictionary<string, bool> matched) =>
        new(path, node, matched[path], node is RuleGroup group
            ? group.Rules.Select((rule, i) => Explain(rule, $"{RuleJson.Join(path, "rules")}[{i}]", matched)).ToList()
            : []);
}
