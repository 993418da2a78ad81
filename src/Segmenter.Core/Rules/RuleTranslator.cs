using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;
using Segmenter.Core.Contacts;
using Segmenter.Core.Segments;
using static Segmenter.Core.Rules.RuleOperators;

// The lambdas below are expression trees for SQL: string.ToLower() is PostgreSQL's lower(), and neither
// the culture-taking overloads nor the StringComparison ones translate.
#pragma warning disable CA1304, CA1311, CA1862

namespace Segmenter.Core.Rules;

/// <summary>
/// Compiles a validated rule tree to one <c>Expression&lt;Func&lt;Contact, bool&gt;&gt;</c> that EF Core turns into a
/// single parameterised SQL predicate (DESIGN section 4). Each operator family is a typed lambda over the
/// field's value (<c>Text</c>, <c>Number</c>, <c>Date</c>, <c>Instant</c>, <c>Boolean</c>, <c>Tags</c>), spliced onto the catalog's access to the field. Values are
/// captured variables, which EF sends as parameters; only field keys, checked by the catalog, appear in SQL.
/// </summary>
/// <remarks>
/// The empty-value rule is built in one place: every positive operator is false for a missing value (text,
/// tags and calendar parts test <c>x != null &amp;&amp; …</c>; comparisons of numbers, dates and instants are C#'s
/// lifted comparisons, false for null, which EF Core keeps exact under NOT), and <c>not_equals</c>,
/// <c>not_contains</c>, <c>not_in</c> are <c>NOT</c> of their twin, so they match empty values.
/// </remarks>
public static class RuleTranslator
{
    /// <summary>
    /// The predicate in the shape for a few contacts, each looked up by key (the real-time path, explain): an
    /// event condition is a subquery on that contact's events, correlated by the contact's id.
    /// </summary>
    public static Expression<Func<Contact, bool>> Translate(RuleGroup definition, RuleEnvironment environment) =>
        TranslateNode(definition, environment);

    /// <summary>One node alone (a condition or a sub-group), in the shape for a few contacts.</summary>
    public static Expression<Func<Contact, bool>> TranslateNode(RuleNode node, RuleEnvironment environment)
    {
        var contact = Expression.Parameter(typeof(Contact), "c");
        return Expression.Lambda<Func<Contact, bool>>(new Builder(environment, null).Node(node, contact), contact);
    }

    /// <summary>
    /// The same predicate in the shape for all the tenant's contacts at once (counts, previews, refreshes): an
    /// event condition is a set of contact ids the planner can hash-join, never a subquery run once per
    /// contact. All-time counts and first/last instants, and thresholds of a window's count, read
    /// <c>contact_event_totals</c>; other windows, filters and statistics group the tenant's events of the
    /// type in <paramref name="events"/>.
    /// </summary>
    /// <param name="definition">A validated tree.</param>
    /// <param name="environment">Fields, time zone and now.</param>
    /// <param name="events">The tenant's events (the context's <c>ContactEvents</c>, with its tenant filter).</param>
    /// <param name="totals">The tenant's event totals (the context's <c>ContactEventTotals</c>).</param>
    public static Expression<Func<Contact, bool>> TranslateForAll(
        RuleNode definition, RuleEnvironment environment, IQueryable<ContactEvent> events, IQueryable<ContactEventTotal> totals)
    {
        var contact = Expression.Parameter(typeof(Contact), "c");
        return Expression.Lambda<Func<Contact, bool>>(new Builder(environment, (events, totals)).Node(definition, contact), contact);
    }

    /// <summary>
    /// The ids of the contacts the definition matches, for counting them. A definition that is an AND of
    /// conditions on the contact's events alone, each a set of ids or "never did it" (both of which PostgreSQL
    /// runs as joins, whatever it estimates), starts from the set one of them is (the week's buyers, the totals
    /// over a threshold) and joins the others to it: every id in such a set is a contact of the tenant (the
    /// foreign keys of the events and their totals), so "purchased in the last 7 days" counts the week's
    /// distinct buyers, as an expert would, instead of reading the million contacts to probe each one. Any
    /// other definition is the contacts its <see cref="TranslateForAll"/> predicate passes: tested on a set
    /// whose size the planner underestimates, a condition under OR or NOT could run its subquery once per id
    /// (one of <c>DifferentialShould</c>'s random trees took over 30 s on 1,500 contacts).
    /// </summary>
    /// <param name="definition">A validated tree.</param>
    /// <param name="environment">Fields, time zone and now.</param>
    /// <param name="contacts">The tenant's contacts (the context's <c>Contacts</c>, with its tenant filter).</param>
    /// <param name="events">The tenant's events.</param>
    /// <param name="totals">The tenant's event totals.</param>
    public static MatchedIds MatchesForAll(
        RuleNode definition, RuleEnvironment environment, IQueryable<Contact> contacts, IQueryable<ContactEvent> events, IQueryable<ContactEventTotal> totals) =>
        ForAll(definition, environment, contacts, events, totals).Matches;

    /// <summary>
    /// <see cref="TranslateForAll"/>'s predicate and <see cref="MatchesForAll"/>'s ids from one translation, for a
    /// definition compiled once for both (<c>RuleQueries.Compile</c>).
    /// </summary>
    public static (Expression<Func<Contact, bool>> Predicate, MatchedIds Matches) ForAll(
        RuleNode definition, RuleEnvironment environment, IQueryable<Contact> contacts, IQueryable<ContactEvent> events, IQueryable<ContactEventTotal> totals)
    {
        var contact = Expression.Parameter(typeof(Contact), "c");
        var builder = new Builder(environment, (events, totals));
        var body = builder.Node(definition, contact);
        var predicate = Expression.Lambda<Func<Contact, bool>>(body, contact);
        var conjuncts = Conjuncts(body).ToList();
        var driver = conjuncts.FirstOrDefault(builder.Sets.ContainsKey);
        if (driver is null || !conjuncts.All(c => builder.Sets.ContainsKey(c) || builder.NeverDone.Contains(c)))
        {
            return (predicate, new MatchedIds(contacts.Where(predicate).Select(c => c.Id), Repeats: false));
        }

        var id = Expression.Parameter(typeof(Guid), "id");
        var others = conjuncts.Where(c => c != driver).Select(c => new ById(contact, id).Visit(c)!).ToList();
        var set = builder.Sets[driver];
        return (predicate, others.Count == 0 ? set : set with { Ids = set.Ids.Where(Expression.Lambda<Func<Guid, bool>>(others.Aggregate(Expression.AndAlso), id)) });
    }

    private static IEnumerable<Expression> Conjuncts(Expression e) =>
        e is BinaryExpression { NodeType: ExpressionType.AndAlso } both ? Conjuncts(both.Left).Concat(Conjuncts(both.Right)) : [e];

    private sealed class Builder(RuleEnvironment environment, (IQueryable<ContactEvent> Events, IQueryable<ContactEventTotal> Totals)? tenant)
    {
        /// <summary>
        /// The conditions over all contacts that are "the contact's id is in a set", each with that set
        /// (<see cref="MatchesForAll"/> starts from one).
        /// </summary>
        public Dictionary<Expression, MatchedIds> Sets { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>The conditions over all contacts that are "never did it" (<c>NOT EXISTS</c>, an anti-join).</summary>
        public HashSet<Expression> NeverDone { get; } = new(ReferenceEqualityComparer.Instance);

        public Expression Node(RuleNode node, ParameterExpression contact) => node switch
        {
            RuleGroup group => Group(group, contact),
            FieldCondition field => Field(field, contact),
            EventCondition e => Event(e, contact),
            MembershipCondition m => Apply(Membership(m), contact),
            _ => throw new ArgumentException($"Unknown rule node {node.GetType().Name}.", nameof(node)),
        };

        private Expression Group(RuleGroup group, ParameterExpression contact)
        {
            IReadOnlyList<RuleNode> members = group.Logic == RuleGroup.And ? WithoutImplied(group.Rules) : group.Rules;
            var rules = group.Logic == RuleGroup.And && tenant is var (events, totals)
                ? OnSharedTotals(members, contact, events, totals)
                : members.Select(rule => Node(rule, contact));
            var combined = group.Logic == RuleGroup.Or ? rules.Aggregate(Expression.OrElse) : rules.Aggregate(Expression.AndAlso);
            return group.Negate ? Expression.Not(combined) : combined;
        }

        private Expression Field(FieldCondition condition, ParameterExpression contact)
        {
            var field = environment.Catalog.Find(condition.Field)
                ?? throw new ArgumentException($"Unknown field '{condition.Field}'.", nameof(condition));
            if (field.Key == FieldCatalog.Today)
            {
                // "today" is no column: the answer is the same for every contact, so it is decided here.
                return Expression.Constant(Test(Date, condition.Operator, condition.Value).Compile()(environment.Today));
            }

            // Columns whose text is lower case already: email_normalized is lower(email), stored, and a status is
            // one of four lower-case words (a check constraint). The same tests without a lower() per contact,
            // and with the column's statistics for the planner's estimates.
            if (field.Key is "email" or "status")
            {
                var lower = Expression.Property(contact, field.Key == "email" ? nameof(Contact.EmailNormalized) : nameof(Contact.Status));
                return new AlreadyLower(lower).Visit(Apply(Test(Text, condition.Operator, condition.Value), lower));
            }

            var value = FieldCatalog.Access(field, contact);
            return field.Type switch
            {
                Types.Text or Types.Choice => Apply(Test(Text, condition.Operator, condition.Value), value),
                Types.Number when !field.BuiltIn && Positive(condition.Operator).Operator != IsNotEmpty =>
                    Apply(Test((op, v) => NumberInJson(field.Key, op, v), condition.Operator, condition.Value), Expression.Property(contact, nameof(Contact.Attributes))),
                Types.Number => Apply(Test(Number, condition.Operator, condition.Value), value),
                Types.Date => Apply(Test(Date, condition.Operator, condition.Value), value),
                Types.DateTime when !field.BuiltIn && Span(Positive(condition.Operator).Operator, condition.Value) is not null =>
                    Apply(Test(InstantInSpan, condition.Operator, condition.Value), value),
                Types.DateTime => Apply(Test(Instant, condition.Operator, condition.Value), value),
                Types.Boolean => Apply(Test(Boolean, condition.Operator, condition.Value), value),
                Types.Tags => Apply(Test(Tags, condition.Operator, condition.Value), value),
                _ => throw new ArgumentException($"Field '{field.Key}' has an unknown type '{field.Type}'.", nameof(condition)),
            };
        }

        /// <summary>
        /// The one place negatives are made: <c>not_equals</c>, <c>not_contains</c>, <c>not_in</c> and <c>is_empty</c>
        /// are NOT of <c>equals</c>, <c>contains</c>, <c>in</c> and <c>is_not_empty</c>, so they match empty values.
        /// </summary>
        private static Expression<Func<T, bool>> Test<T>(Func<string, JsonElement?, Expression<Func<T, bool>>> positive, string op, JsonElement? value)
        {
            var (twin, negated) = Positive(op);
            return negated ? Not(positive(twin, value)) : positive(twin, value);
        }

        private static (string Operator, bool Negated) Positive(string op) => op switch
        {
            NotEquals => (EqualsTo, true),
            NotContains => (Contains, true),
            NotIn => (In, true),
            IsEmpty => (IsNotEmpty, true),
            _ => (op, false),
        };

        /// <summary>Text and choice: case-insensitive, literal (no wildcards); empty is NULL or "".</summary>
        private static Expression<Func<string?, bool>> Text(string op, JsonElement? value)
        {
            if (op == IsNotEmpty)
            {
                return x => x != null && x != "";
            }

            if (op == In)
            {
                var list = value!.Value.EnumerateArray().Select(e => e.GetString()!.ToLowerInvariant()).Distinct().ToList();
                return x => x != null && list.Contains(x.ToLower());
            }

            var v = value!.Value.GetString()!.ToLowerInvariant();
            return op switch
            {
                EqualsTo => x => x != null && x.ToLower() == v,
                Contains => x => x != null && x.ToLower().Contains(v),
                StartsWith => x => x != null && x.ToLower().StartsWith(v),
                EndsWith => x => x != null && x.ToLower().EndsWith(v),
                _ => throw Unsupported(op, Types.Text),
            };
        }

        private static Expression<Func<decimal?, bool>> Number(string op, JsonElement? value) =>
            op switch
            {
                IsNotEmpty => x => x != null,
                In => Present(Compare(op, value)),
                _ => Lifted(Compare(op, value)),
            };

        /// <summary>
        /// A comparison of a custom number attribute as one SQL/JSON path predicate on the attributes, in strict mode:
        /// <c>strict $."lifetime_value" &gt; 500</c>. The key is read once and the number compared in the document, where
        /// the typed read (<see cref="RuleSql.Number"/>: the JSON type tested, the key read again, cast) took a fifth longer
        /// at a million contacts; a missing key, JSON null or a value of another type is not a number, and fails. The key
        /// is a catalog key (<c>^[a-z][a-z0-9_]{0,62}$</c>, checked by the database too), so it needs no escaping.
        /// </summary>
        private static Expression<Func<JsonDocument, bool>> NumberInJson(string key, string op, JsonElement? value)
        {
            var at = $"$.\"{key}\"";
            string Is(string comparison, decimal v) => $"{at} {comparison} {v.ToString(CultureInfo.InvariantCulture)}";
            var predicate = op switch
            {
                In => string.Join(" || ", value!.Value.EnumerateArray().Select(e => e.GetDecimal()).Distinct().Select(v => Is("==", v))),
                Between => $"{Is(">=", value!.Value[0].GetDecimal())} && {Is("<=", value.Value[1].GetDecimal())}",
                _ => Is(op switch
                {
                    EqualsTo => "==",
                    GreaterThan => ">",
                    GreaterThanOrEqual => ">=",
                    LessThan => "<",
                    LessThanOrEqual => "<=",
                    _ => throw Unsupported(op, Types.Number),
                }, value!.Value.GetDecimal()),
            };
            var path = "strict " + predicate;
            return j => RuleSql.Matches(j, path);
        }

        /// <summary>The number comparisons on a value that is there.</summary>
        private static Expression<Func<decimal, bool>> Compare(string op, JsonElement? value)
        {
            switch (op)
            {
                case In:
                    var list = value!.Value.EnumerateArray().Select(e => e.GetDecimal()).Distinct().ToList();
                    return x => list.Contains(x);
                case Between:
                    var (low, high) = (value!.Value[0].GetDecimal(), value.Value[1].GetDecimal());
                    return x => x >= low && x <= high;
            }

            var v = value!.Value.GetDecimal();
            return op switch
            {
                EqualsTo => x => x == v,
                GreaterThan => x => x > v,
                GreaterThanOrEqual => x => x >= v,
                LessThan => x => x < v,
                LessThanOrEqual => x => x <= v,
                _ => throw Unsupported(op, Types.Number),
            };
        }

        /// <summary>Dates compare calendar days; "today" is now's date in the tenant's time zone.</summary>
        private Expression<Func<DateOnly?, bool>> Date(string op, JsonElement? value)
        {
            var today = environment.Today;
            switch (op)
            {
                case IsNotEmpty:
                    return x => x != null;
                case Between:
                    var (from, to) = (Day(value!.Value[0]), Day(value.Value[1]));
                    return x => x >= from && x <= to;
                case WithinDays:
                    var (earliest, end) = (today.AddDays(-Days(value)), today);
                    return x => x >= earliest && x <= end;
                case MoreThanDaysAgo:
                    var before = today.AddDays(-Days(value));
                    return x => x < before;
                case WithinNextDays:
                    var (start, latest) = (today, today.AddDays(Days(value)));
                    return x => x >= start && x <= latest;
                case AnniversaryToday:
                    var (month, day) = (today.Month, today.Day);
                    if (month == 2 && day == 28 && !DateTime.IsLeapYear(today.Year))
                    {
                        return x => x != null && x.Value.Month == 2 && (x.Value.Day == 28 || x.Value.Day == 29);
                    }

                    return x => x != null && x.Value.Month == month && x.Value.Day == day;
                case MonthEquals:
                    var m = value!.Value.ValueKind == JsonValueKind.String ? today.Month : value.Value.GetInt32();
                    return x => x != null && x.Value.Month == m;
                case MonthIn:
                    var months = value!.Value.EnumerateArray().Select(e => e.GetInt32()).Distinct().ToList();
                    return x => x != null && months.Contains(x.Value.Month);
            }

            var d = Day(value!.Value);
            return op switch
            {
                EqualsTo => x => x == d,
                Before => x => x < d,
                After => x => x > d,
                _ => throw Unsupported(op, Types.Date),
            };
        }

        /// <summary>
        /// Datetimes: a day is the span of that calendar date in the tenant's time zone, so comparisons stay
        /// sargable instant ranges; day-in-window rules count 24-hour periods back and forth from now.
        /// </summary>
        private Expression<Func<DateTimeOffset?, bool>> Instant(string op, JsonElement? value)
        {
            if (Span(op, value) is var (low, high, highIncluded))
            {
                return highIncluded ? v => v >= low && v <= high : v => v >= low && v < high;
            }

            var now = environment.Now.ToUniversalTime();
            switch (op)
            {
                case IsNotEmpty:
                    return v => v != null;
                case Before when IsInstant(value!.Value):
                    var beforeInstant = ParseInstant(value.Value);
                    return v => v < beforeInstant;
                case Before:
                    var firstOfDay = environment.StartOf(Day(value.Value));
                    return v => v < firstOfDay;
                case After when IsInstant(value!.Value):
                    var afterInstant = ParseInstant(value.Value);
                    return v => v > afterInstant;
                case After:
                    var nextDay = environment.StartOf(Day(value.Value).AddDays(1));
                    return v => v >= nextDay;
                case MoreThanDaysAgo:
                    var cutoff = now.AddDays(-Days(value));
                    return v => v < cutoff;
                case AnniversaryToday or MonthEquals or MonthIn:
                    // Calendar parts of the instant's local date: the date rule over segmenter_local_date(v, zone).
                    var zone = environment.TimeZone.Id;
                    Expression<Func<DateTimeOffset?, DateOnly?>> localDate = v => RuleSql.LocalDate(v, zone);
                    return Compose(Date(op, value), localDate);
                default:
                    throw Unsupported(op, Types.DateTime);
            }
        }

        /// <summary>
        /// A datetime attribute's test of a span as one containment, <c>tstzrange(low, high) @&gt; v</c>: the attribute
        /// is read and cast once per contact, where two comparisons cast it twice (Active in the last 30 days: a
        /// fifth less time per contact read), for the tests that are a span (<see cref="Span"/>). Columns and totals
        /// keep the comparisons, which their indexes can use.
        /// </summary>
        private Expression<Func<DateTimeOffset?, bool>> InstantInSpan(string op, JsonElement? value)
        {
            var (low, high, highIncluded) = Span(op, value) ?? throw Unsupported(op, Types.DateTime);

            // An empty value is an instant before the span, so the containment is never NULL and NOT of it is exact
            // (not_equals matches contacts without the attribute).
            var (span, outside) = (new NpgsqlRange<DateTimeOffset>(low, true, high, highIncluded), low.AddDays(-1));
            return v => span.Contains(v ?? outside);
        }

        /// <summary>The instants a datetime test passes when they are one span: from low, to high (included or not).</summary>
        private (DateTimeOffset Low, DateTimeOffset High, bool HighIncluded)? Span(string op, JsonElement? value)
        {
            var now = environment.Now.ToUniversalTime();
            return op switch
            {
                EqualsTo => (environment.StartOf(Day(value!.Value)), environment.StartOf(Day(value.Value).AddDays(1)), false),
                Between => (environment.StartOf(Day(value!.Value[0])), environment.StartOf(Day(value.Value[1]).AddDays(1)), false),
                WithinDays => (now.AddDays(-Days(value)), now, true),
                WithinNextDays => (now, now.AddDays(Days(value)), true),
                _ => null,
            };
        }

        private static Expression<Func<bool?, bool>> Boolean(string op, JsonElement? value)
        {
            if (op == IsNotEmpty)
            {
                return x => x != null;
            }

            var b = op == EqualsTo ? value!.Value.GetBoolean() : throw Unsupported(op, Types.Boolean);
            return x => x != null && x == b;
        }

        /// <summary>Tags: whole tags, case-insensitive; <c>contains</c> never means a substring of a tag.</summary>
        private static Expression<Func<List<string>, bool>> Tags(string op, JsonElement? value)
        {
            if (op == IsNotEmpty)
            {
                return tags => tags.Count != 0;
            }

            if (op == Contains)
            {
                var tag = value!.Value.GetString()!.ToLowerInvariant();
                return tags => tags.Any(t => t.ToLower() == tag);
            }

            var list = value!.Value.EnumerateArray().Select(e => e.GetString()!.ToLowerInvariant()).Distinct().ToList();
            return op switch
            {
                ContainsAny => tags => tags.Any(t => list.Contains(t.ToLower())),
                ContainsAll => tags => list.All(wanted => tags.Any(t => t.ToLower() == wanted)),
                _ => throw Unsupported(op, Types.Tags),
            };
        }

        /// <summary>
        /// An aggregate over the contact's events of one type that happened by now (and within the window),
        /// passing every filter, as a correlated subquery on <c>contact_events</c>. Count and sum are never
        /// empty (0 without events), so they are compared directly. Avg, min, max, first_at and last_at are
        /// empty without values, so their test runs inside the subquery, <c>EXISTS (… HAVING test)</c>, which is
        /// false when empty and computes the aggregate once.
        /// </summary>
        private Expression Event(EventCondition condition, ParameterExpression contact)
        {
            if (tenant is var (events, totals))
            {
                return EventOverAll(condition, contact, events, totals);
            }

            var counted = EventFilter(condition);
            var property = condition.Property ?? "";
            Expression<Func<ContactEvent, decimal?>> amount = e => RuleSql.Number(e.Properties, property);
            var (op, negated) = Positive(condition.Operator);
            Expression test;
            switch (condition.Aggregate)
            {
                case EventCondition.Count or EventCondition.Sum:
                    Expression<Func<Contact, decimal>> total = condition.Aggregate == EventCondition.Count
                        ? c => c.Events.AsQueryable().Count(counted)
                        : c => c.Events.AsQueryable().Where(counted).Sum(amount) ?? 0m;
                    test = op == IsNotEmpty ? Expression.Constant(true) : Apply(Compare(op, condition.Value), Inline(total, contact));
                    break;
                case EventCondition.FirstAt or EventCondition.LastAt:
                    test = Having(counted, Compose(Instant(op, condition.Value), FirstOrLast(condition.Aggregate)), contact);
                    break;
                default:
                    var statistic = Statistic(condition.Aggregate, property);
                    test = Having(counted, Compose(Number(op, condition.Value), statistic), contact);
                    break;
            }

            return negated ? Expression.Not(test) : test;
        }

        /// <summary>
        /// The event condition over all contacts, with the same answers as <see cref="Event"/>. "Has done it" and
        /// "never did it" (<see cref="AnyOrNone"/>) are <c>EXISTS</c> and <c>NOT EXISTS</c>. Otherwise a test that no
        /// events pass (count or sum above zero, any test of a statistic or instant) is <c>c.id IN (ids)</c>, a
        /// semi-join; one that zero passes (count under 2, equal to 0) is <c>c.id NOT IN (ids that fail)</c>, a
        /// hashed subplan built once (the app's role has the <c>work_mem</c> for a million ids, see
        /// <c>SegmenterDatabase</c>). All-time counts and first and last instants read the event totals
        /// (<see cref="ByTotals"/>), and so do thresholds of a window's count up to the latest instants a total
        /// keeps (<see cref="Threshold"/>); a last event within N days is any event of the window.
        /// </summary>
        private Expression EventOverAll(
            EventCondition condition, ParameterExpression contact, IQueryable<ContactEvent> events, IQueryable<ContactEventTotal> totals)
        {
            var (type, now) = (condition.Event, environment.Now.ToUniversalTime());
            var counted = EventFilter(condition);
            var property = condition.Property ?? "";
            var allTime = condition.WithinDays is null && condition.Where.Count == 0;
            var (op, negated) = Positive(condition.Operator);
            Expression<Func<Contact, bool>> test;
            IQueryable<Guid>? ids = null;
            var repeats = false;
            var anyOrNone = condition.Aggregate switch
            {
                EventCondition.Count => AnyOrNone(op, condition.Value),
                EventCondition.FirstAt or EventCondition.LastAt when op == IsNotEmpty => true,
                _ => null,
            };
            if (anyOrNone is { } any)
            {
                // "Has done it" and "never did it" by now: EXISTS, which the planner runs as a semi- or anti-join,
                // by hash or by probing the index per contact, whichever the numbers favour. All time, a contact
                // has an event by now exactly when its first one is.
                var having = allTime
                    ? totals.Where(t => t.Type == type && t.FirstAt <= now).Select(t => t.ContactId)
                    : events.Where(counted).Select(e => e.ContactId);
                Expression<Func<Contact, bool>> exists = c => having.Any(id => id == c.Id);
                var answer = Inline(any ? exists : Not(exists), contact);
                if (any == negated)
                {
                    var never = negated ? Expression.Not(answer) : answer;
                    NeverDone.Add(never);
                    return never;
                }

                // A total is one per contact; events are many.
                return negated ? Expression.Not(answer) : InSet(answer, new MatchedIds(having, Repeats: !allTime));
            }

            switch (condition.Aggregate)
            {
                case EventCondition.Count or EventCondition.Sum when op == IsNotEmpty:
                    return Expression.Constant(!negated);
                case EventCondition.Count when allTime:
                    var compare = Compare(op, condition.Value);
                    var zeroCounts = compare.Compile()(0m);
                    var countTest = zeroCounts ? Not(compare) : compare;
                    // One EXISTS on both sets (a semi- or anti-join): the counts' statistics give the planner the
                    // number of contacts that pass, so it hashes the passing totals when many do and looks up each
                    // contact's total by key when the other conditions leave few (North American high spenders).
                    var (onTotal, onEvents) = AllTimeCount(countTest);
                    var (answered, recounted) = ByTotals(events, type, now, onTotal, onEvents);
                    var counting = totals.Where(t => t.Type == type).Where(Or(answered, recounted)).Select(t => t.ContactId);
                    Expression<Func<Contact, bool>> counts = c => counting.Any(id => id == c.Id);
                    (test, ids) = zeroCounts ? (Not(counts), null) : (counts, counting);
                    break;
                case EventCondition.Count when condition.Where.Count == 0 && condition.WithinDays is { } days && Threshold(op, condition.Value) is var (atLeast, k):
                    // At least k events in the window: the k-th latest instant of the total is in it (and so is the last,
                    // by which the totals' index finds the candidates). The few totals with events after now count
                    // their own (Recounted). One set, so the planner can start from it when the window is short.
                    var windowStart = now.AddDays(-days);
                    var recountedK = Recounted(events, totals, counted, type, now, g => g.Count() >= k);
                    var reaching = totals
                        .Where(t => t.Type == type)
                        .Where(KthLatestSince(windowStart, k))
                        .Where(t => t.LastAt <= now || recountedK.Contains(t.ContactId))
                        .Select(t => t.ContactId);
                    test = atLeast ? c => reaching.Contains(c.Id) : c => !reaching.Contains(c.Id);
                    ids = atLeast ? reaching : null;
                    break;
                case EventCondition.Count or EventCondition.Sum:
                    Expression<Func<IGrouping<Guid, ContactEvent>, decimal>> total = condition.Aggregate == EventCondition.Count
                        ? g => g.Count()
                        : g => g.Sum(e => RuleSql.Number(e.Properties, property)) ?? 0m;
                    var comparison = Compare(op, condition.Value);
                    var passes = Compose(comparison, total);
                    if (comparison.Compile()(0m))
                    {
                        var failing = Ids(events, counted, Not(passes));
                        test = c => !failing.Contains(c.Id);
                    }
                    else
                    {
                        var passing = Ids(events, counted, passes);
                        (test, ids) = (c => passing.Contains(c.Id), passing);
                    }

                    break;
                case EventCondition.LastAt when op == WithinDays:
                    // The last event by now is within N days exactly when some event of the last N days is.
                    var since = now.AddDays(-Days(condition.Value));
                    var recent = events.Where(And(counted, e => e.OccurredAt >= since)).Select(e => e.ContactId);
                    (test, ids, repeats) = (c => recent.Any(id => id == c.Id), recent, true);
                    break;
                case EventCondition.FirstAt when allTime:
                    // A first event after now means none by now: empty, which no positive test passes.
                    var firsts = totals.Where(t => t.Type == type && t.FirstAt <= now)
                        .Where(Compose(Instant(op, condition.Value), (ContactEventTotal t) => (DateTimeOffset?)t.FirstAt)).Select(t => t.ContactId);
                    (test, ids) = (c => firsts.Contains(c.Id), firsts);
                    break;
                case EventCondition.LastAt when allTime:
                    // Two hashed sets: a test of an instant gives the planner no statistics, and as one EXISTS it
                    // guessed a handful of contacts would pass, then ran the other conditions' sets once per contact.
                    var (lastAnswers, lastRecounts) = ByTotals(
                        events, type, now,
                        Compose(Instant(op, condition.Value), (ContactEventTotal t) => (DateTimeOffset?)t.LastAt),
                        Compose(Instant(op, condition.Value), FirstOrLast(EventCondition.LastAt)));
                    var ofType = totals.Where(t => t.Type == type);
                    var (lastAnswered, lastRecounted) = (ofType.Where(lastAnswers).Select(t => t.ContactId), ofType.Where(lastRecounts).Select(t => t.ContactId));
                    (test, ids) = (c => lastAnswered.Contains(c.Id) || lastRecounted.Contains(c.Id), lastAnswered.Concat(lastRecounted));
                    break;
                case EventCondition.FirstAt or EventCondition.LastAt:
                    var instants = Ids(events, counted, Compose(Instant(op, condition.Value), FirstOrLast(condition.Aggregate)));
                    (test, ids) = (c => instants.Contains(c.Id), instants);
                    break;
                default:
                    var statistic = Statistic(condition.Aggregate, property);
                    var statistics = Ids(events, counted, Compose(Number(op, condition.Value), statistic));
                    (test, ids) = (c => statistics.Contains(c.Id), statistics);
                    break;
            }

            var applied = Inline(test, contact);
            return negated ? Expression.Not(applied) : InSet(applied, ids is null ? null : new MatchedIds(ids, repeats));
        }

        /// <summary>
        /// The conditions of an AND over all contacts, where the counts of one event type that its totals answer
        /// (an all-time count test, a window's threshold), two or more of them and one that zero events fail, are
        /// one test of the contact's total: "fewer than 2 opens in 60 days and more than 5 opens" (At risk) reads
        /// each open total once and keeps those that pass both, 97,000 of a million contacts, then looks up their
        /// contacts by key, in parallel workers (1.0 s; as two sets, one hashed against the scanned contacts and
        /// the other joined to them, 1.6-2.2 s in one process). A contact without a total has no events, which
        /// the test that zero fails rules out.
        /// </summary>
        private IEnumerable<Expression> OnSharedTotals(
            IReadOnlyList<RuleNode> rules, ParameterExpression contact, IQueryable<ContactEvent> events, IQueryable<ContactEventTotal> totals)
        {
            var now = environment.Now.ToUniversalTime();
            var shared = rules.OfType<EventCondition>()
                .Select(condition => (condition.Event, Test: TotalTest(condition, now)))
                .Where(x => x.Test is not null)
                .GroupBy(x => x.Event, x => x.Test!.Value)
                .Where(g => g.Count() > 1 && g.Any(test => test.FailsAtZero))
                .ToDictionary(g => g.Key, g => g.ToList());
            var merged = new HashSet<string>();
            foreach (var rule in rules)
            {
                if (rule is not EventCondition condition || !shared.TryGetValue(condition.Event, out var tests))
                {
                    yield return Node(rule, contact);
                    continue;
                }

                if (!merged.Add(condition.Event))
                {
                    continue;
                }

                var type = condition.Event;
                var answered = tests.Select(test => test.Answered).Aggregate(And);
                var recounted = Recounted(events, totals, e => e.Type == type && e.OccurredAt <= now, type, now, tests.Select(test => test.Recounted).Aggregate(And));
                var passing = totals
                    .Where(t => t.Type == type)
                    .Where(Or(And(t => t.LastAt <= now, answered), t => t.LastAt > now && recounted.Contains(t.ContactId)))
                    .Select(t => t.ContactId);
                Expression<Func<Contact, bool>> test = c => passing.Any(id => id == c.Id);
                yield return InSet(Inline(test, contact), new MatchedIds(passing, Repeats: false));
            }
        }

        /// <summary>
        /// A count of one event type as a test of the type's total, for <see cref="OnSharedTotals"/>: on the total of a
        /// contact whose last event is by now (<c>Answered</c>), and on the contact's events by now, grouped, for one
        /// with events after now (<c>Recounted</c>); and whether zero events fail it. Null for a count the totals do not
        /// answer alone (filters, a window's test other than a threshold) and for "has done it" and "never did it",
        /// which are joins already.
        /// </summary>
        private static (Expression<Func<ContactEventTotal, bool>> Answered, Expression<Func<IGrouping<Guid, ContactEvent>, bool>> Recounted, bool FailsAtZero)? TotalTest(
            EventCondition condition, DateTimeOffset now)
        {
            var (op, negated) = Positive(condition.Operator);
            if (condition.Aggregate != EventCondition.Count || condition.Where.Count > 0 || negated || op == IsNotEmpty || AnyOrNone(op, condition.Value) is not null)
            {
                return null;
            }

            if (condition.WithinDays is null)
            {
                var compare = Compare(op, condition.Value);
                var (onTotal, onEvents) = AllTimeCount(compare);
                return (onTotal, onEvents, !compare.Compile()(0m));
            }

            if (Threshold(op, condition.Value) is not var (atLeast, k))
            {
                return null;
            }

            // At least k events since the window's start exactly when the k-th latest instant is in the window; a total
            // of fewer than k events keeps fewer instants, and the k-th is NULL.
            var (start, kth) = (now.AddDays(-condition.WithinDays.Value), k - 1);
            return atLeast
                ? (KthLatestSince(start, k), g => g.Count(e => e.OccurredAt >= start) >= k, true)
                : (t => t.LastAt < start || t.Count < k || t.Latest[kth] < start, g => g.Count(e => e.OccurredAt >= start) < k, false);
        }

        /// <summary>A test of a contact's count of all time, as a test of its total and of its events grouped.</summary>
        private static (Expression<Func<ContactEventTotal, bool>> OnTotal, Expression<Func<IGrouping<Guid, ContactEvent>, bool>> OnEvents) AllTimeCount(
            Expression<Func<decimal, bool>> compare) =>
            (Compose(compare, (ContactEventTotal t) => (decimal)t.Count), Compose(compare, (IGrouping<Guid, ContactEvent> g) => (decimal)g.Count()));

        /// <summary>
        /// The total's k-th latest instant is at or after <paramref name="start"/>: at least k events since then when none
        /// is after now, and a condition of it otherwise (the latest instants include those after now). The last instant's
        /// test is the one the totals' index finds the candidates by.
        /// </summary>
        private static Expression<Func<ContactEventTotal, bool>> KthLatestSince(DateTimeOffset start, int k)
        {
            var kth = k - 1;
            return t => t.LastAt >= start && t.Latest[kth] >= start;
        }

        /// <summary><paramref name="test"/>, kept in <see cref="Sets"/> with the set of ids it tests, if any.</summary>
        private Expression InSet(Expression test, MatchedIds? set)
        {
            if (set is not null)
            {
                Sets[test] = set;
            }

            return test;
        }

        /// <summary>
        /// The rules of an AND without each "last event within N days" that another rule of the AND implies: at
        /// least one event of the type in a window no longer than N days (Browse abandoners' "last page view
        /// within 2 days" beside "more than 3 page views in 2 days"). Left in, it is one more look at each
        /// candidate's events: 22 against 13 ms on a million contacts, where the hand-written SQL takes 20.
        /// </summary>
        private static List<RuleNode> WithoutImplied(IReadOnlyList<RuleNode> rules) =>
            rules.Where(rule => !(rule is EventCondition last && rules.OfType<EventCondition>().Any(other => Implies(other, last)))).ToList();

        /// <summary>
        /// Whether <paramref name="some"/> being true makes <paramref name="last"/> true: <paramref name="some"/>
        /// tests the count of the type's events (of any filter) in the last W days with a test that a count of
        /// zero fails, so it needs one such event, and <paramref name="last"/> asks that the last event of the
        /// type, without a filter, is within N days and in its own window, if any, each at least W: the windows
        /// all end now and start that many days before it.
        /// </summary>
        private static bool Implies(EventCondition some, EventCondition last)
        {
            if (some is not { Aggregate: EventCondition.Count, WithinDays: { } window }
                || last is not { Aggregate: EventCondition.LastAt, Operator: WithinDays, Where.Count: 0 }
                || last.Event != some.Event || window > Days(last.Value) || window > (last.WithinDays ?? window))
            {
                return false;
            }

            var (op, negated) = Positive(some.Operator);
            return op != IsNotEmpty && Compare(op, some.Value).Compile()(0m) == negated;
        }

        /// <summary>
        /// Whether a count test asks only "at least one" (true: more than 0, at least 1) or "none" (false: equal
        /// to 0, less than 1); null for any other test.
        /// </summary>
        private static bool? AnyOrNone(string op, JsonElement? value)
        {
            if (op is not (EqualsTo or GreaterThan or GreaterThanOrEqual or LessThan or LessThanOrEqual) || value is not { ValueKind: JsonValueKind.Number } number)
            {
                return null;
            }

            var v = number.GetDecimal();
            return op switch
            {
                EqualsTo when v == 0 => false,
                GreaterThan when v is >= 0 and < 1 => true,
                GreaterThanOrEqual when v is > 0 and <= 1 => true,
                LessThan when v is > 0 and <= 1 => false,
                LessThanOrEqual when v is >= 0 and < 1 => false,
                _ => null,
            };
        }

        /// <summary>
        /// A count test as a threshold the event totals answer: "at least k" (<c>AtLeast</c>) or "fewer than k",
        /// for a whole k from 2 (0 and 1 are <see cref="AnyOrNone"/>'s) to the latest instants a total keeps;
        /// null for any other test.
        /// </summary>
        private static (bool AtLeast, int K)? Threshold(string op, JsonElement? value)
        {
            if (value is not { ValueKind: JsonValueKind.Number } number)
            {
                return null;
            }

            var v = number.GetDecimal();
            (bool AtLeast, decimal K)? threshold = op switch
            {
                GreaterThan => (true, Math.Floor(v) + 1),
                GreaterThanOrEqual => (true, Math.Ceiling(v)),
                LessThan => (false, Math.Ceiling(v)),
                LessThanOrEqual => (false, Math.Floor(v) + 1),
                _ => null,
            };
            return threshold is var (atLeast, k) && k is >= 2 and <= ContactEventTotal.LatestKept ? (atLeast, (int)k) : null;
        }

        /// <summary>
        /// Whether the events of a contact's total by now pass a test, in two parts no total passes both of: its
        /// total answers when its last event is by now (nearly all); each of the few with events after now counts
        /// its own events by now, by the contact's index. A subquery per total, not <see cref="Recounted"/>'s set:
        /// it keeps the totals out of parallel workers, and so keeps the planner from starting from the 258,591
        /// totals of "more than 5 opens" with a probe of the contacts' key for each (North American high spenders,
        /// 1.4-1.6 s), where it scans the contacts in parallel and looks up the totals of the 5,000 left (0.8 s).
        /// </summary>
        private static (Expression<Func<ContactEventTotal, bool>> Answered, Expression<Func<ContactEventTotal, bool>> Recounted) ByTotals(
            IQueryable<ContactEvent> events,
            string type,
            DateTimeOffset now,
            Expression<Func<ContactEventTotal, bool>> totalPasses,
            Expression<Func<IGrouping<Guid, ContactEvent>, bool>> eventsPass)
        {
            Expression<Func<ContactEventTotal, bool>> recounted = t => t.LastAt > now
                && events.Where(e => e.ContactId == t.ContactId && e.Type == type && e.OccurredAt <= now).GroupBy(e => e.ContactId).Any(eventsPass);
            return (And(t => t.LastAt <= now, totalPasses), recounted);
        }

        /// <summary>
        /// The contacts with events of the type after now whose counted events pass a test, grouped from the events
        /// of those contacts alone (a semi-join with their totals, by the contact's index), so the planner never
        /// reads every event of the type to find them. Uncorrelated, so a set that tests it is hashed once, in
        /// parallel workers too: with a subquery per total, Top tier (a custom attribute OR a window's threshold)
        /// scanned the million contacts in one process (1.3-1.6 s; 1.0 s in parallel).
        /// </summary>
        private static IQueryable<Guid> Recounted(
            IQueryable<ContactEvent> events,
            IQueryable<ContactEventTotal> totals,
            Expression<Func<ContactEvent, bool>> counted,
            string type,
            DateTimeOffset now,
            Expression<Func<IGrouping<Guid, ContactEvent>, bool>> pass)
        {
            var later = totals.Where(t => t.Type == type && t.LastAt > now).Select(t => t.ContactId);
            return events.Where(counted).Where(e => later.Contains(e.ContactId)).GroupBy(e => e.ContactId).Where(pass).Select(g => g.Key);
        }

        /// <summary>The ids of the contacts whose counted events, grouped, pass <paramref name="test"/>: <c>SELECT contact_id … GROUP BY contact_id HAVING test</c>.</summary>
        private static IQueryable<Guid> Ids(
            IQueryable<ContactEvent> events, Expression<Func<ContactEvent, bool>> counted, Expression<Func<IGrouping<Guid, ContactEvent>, bool>> test) =>
            events.Where(counted).GroupBy(e => e.ContactId).Where(test).Select(g => g.Key);

        /// <summary>The first or the last instant of a contact's grouped events.</summary>
        private static Expression<Func<IGrouping<Guid, ContactEvent>, DateTimeOffset?>> FirstOrLast(string aggregate) =>
            aggregate == EventCondition.FirstAt ? g => g.Min(e => (DateTimeOffset?)e.OccurredAt) : g => g.Max(e => (DateTimeOffset?)e.OccurredAt);

        /// <summary>The average, least or greatest number at <paramref name="property"/> of a contact's grouped events.</summary>
        private static Expression<Func<IGrouping<Guid, ContactEvent>, decimal?>> Statistic(string aggregate, string property) => aggregate switch
        {
            EventCondition.Avg => g => g.Average(e => RuleSql.Number(e.Properties, property)),
            EventCondition.Min => g => g.Min(e => RuleSql.Number(e.Properties, property)),
            EventCondition.Max => g => g.Max(e => RuleSql.Number(e.Properties, property)),
            _ => throw new ArgumentException($"Unknown aggregate '{aggregate}'.", nameof(aggregate)),
        };

        /// <summary><c>EXISTS (SELECT 1 FROM contact_events WHERE counted GROUP BY contact_id HAVING test)</c>.</summary>
        private static Expression Having(
            Expression<Func<ContactEvent, bool>> counted, Expression<Func<IGrouping<Guid, ContactEvent>, bool>> test, Expression contact)
        {
            Expression<Func<Contact, bool>> exists = c => c.Events.AsQueryable().Where(counted).GroupBy(e => e.ContactId).Any(test);
            return Inline(exists, contact);
        }

        private Expression<Func<ContactEvent, bool>> EventFilter(EventCondition condition)
        {
            var (type, now) = (condition.Event, environment.Now.ToUniversalTime());
            Expression<Func<ContactEvent, bool>> filter = e => e.Type == type && e.OccurredAt <= now;
            if (condition.WithinDays is { } days)
            {
                var since = now.AddDays(-days);
                filter = And(filter, e => e.OccurredAt >= since);
            }

            foreach (var where in condition.Where)
            {
                var isNumber = where.Value is { ValueKind: JsonValueKind.Number };
                var e = Expression.Parameter(typeof(ContactEvent), "e");
                var read = RuleSql.Read(Expression.Property(e, nameof(ContactEvent.Properties)), where.Property, isNumber ? Types.Number : Types.Text, keyFromInput: true);
                var test = isNumber ? Apply(Test(Number, where.Operator, where.Value), read) : Apply(Test(Text, where.Operator, where.Value), read);
                filter = And(filter, Expression.Lambda<Func<ContactEvent, bool>>(test, e));
            }

            return filter;
        }

        /// <summary>Membership reads the other segment's materialised members with EXISTS, never its rules, never NOT IN.</summary>
        private Expression<Func<Contact, bool>> Membership(MembershipCondition condition)
        {
            var segment = condition.Segment;
            Expression<Func<SegmentMember, bool>> member = m => m.SegmentId == segment;
            if (condition.EnteredWithinDays is { } days)
            {
                var since = environment.Now.ToUniversalTime().AddDays(-days);
                member = And(member, m => m.EnteredAt >= since);
            }

            Expression<Func<Contact, bool>> isIn = c => c.Memberships.AsQueryable().Any(member);
            return condition.Operator == NotIn ? Not(isIn) : isIn;
        }

        private static DateOnly Day(JsonElement value) =>
            DateOnly.ParseExact(value.GetString()![..10], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        private static bool IsInstant(JsonElement value) => value.GetString()!.Length > 10;

        private static int Days(JsonElement? value) => value!.Value.GetInt32();

        private static DateTimeOffset ParseInstant(JsonElement value) =>
            DateTimeOffset.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

        private static ArgumentException Unsupported(string op, string type) =>
            new($"'{op}' is not an operator for {type} values.", nameof(op));
    }

    /// <summary><paramref name="predicate"/> applied to <paramref name="value"/>: its parameter replaced by the expression.</summary>
    private static Expression Apply<T>(Expression<Func<T, bool>> predicate, Expression value) =>
        new Replace(predicate.Parameters[0], value).Visit(predicate.Body);

    private static Expression Inline<TIn, TOut>(Expression<Func<TIn, TOut>> lambda, Expression argument) =>
        new Replace(lambda.Parameters[0], argument).Visit(lambda.Body);

    private static Expression<Func<TIn, bool>> Compose<TIn, TMid>(Expression<Func<TMid, bool>> predicate, Expression<Func<TIn, TMid>> selector) =>
        Expression.Lambda<Func<TIn, bool>>(Apply(predicate, selector.Body), selector.Parameters);

    /// <summary>
    /// <paramref name="test"/> of a value that may be missing, as C#'s lifted comparisons have it (false when
    /// missing), so EF Core writes the column once per comparison: <c>x &gt; @v</c>, and under NOT
    /// <c>x &lt;= @v OR x IS NULL</c>. A scan then reads a custom attribute once per comparison, not once more for a
    /// separate NULL check.
    /// </summary>
    private static Expression<Func<T?, bool>> Lifted<T>(Expression<Func<T, bool>> test)
        where T : struct
    {
        var x = Expression.Parameter(typeof(T?), "x");
        return Expression.Lambda<Func<T?, bool>>(new Lift(test.Parameters[0], x).Visit(test.Body), x);
    }

    /// <summary><c>x => x != null &amp;&amp; test(x.Value)</c>.</summary>
    private static Expression<Func<T?, bool>> Present<T>(Expression<Func<T, bool>> test)
        where T : struct
    {
        var x = Expression.Parameter(typeof(T?), "x");
        return Expression.Lambda<Func<T?, bool>>(
            Expression.AndAlso(Expression.NotEqual(x, Expression.Constant(null, typeof(T?))), Apply(test, Expression.Property(x, nameof(Nullable<int>.Value)))),
            x);
    }

    private static Expression<Func<T, bool>> Not<T>(Expression<Func<T, bool>> predicate) =>
        Expression.Lambda<Func<T, bool>>(Expression.Not(predicate.Body), predicate.Parameters);

    private static Expression<Func<T, bool>> And<T>(Expression<Func<T, bool>> left, Expression<Func<T, bool>> right) =>
        Expression.Lambda<Func<T, bool>>(Expression.AndAlso(left.Body, Apply(right, left.Parameters[0])), left.Parameters);

    private static Expression<Func<T, bool>> Or<T>(Expression<Func<T, bool>> left, Expression<Func<T, bool>> right) =>
        Expression.Lambda<Func<T, bool>>(Expression.OrElse(left.Body, Apply(right, left.Parameters[0])), left.Parameters);

    /// <summary>Drops <c>ToLower()</c> of <paramref name="lower"/>, a value that is lower case already.</summary>
    private sealed class AlreadyLower(Expression lower) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method.Name == nameof(string.ToLower) && node.Object == lower ? lower : base.VisitMethodCall(node);
    }

    /// <summary>Puts <paramref name="lifted"/> (a <c>T?</c>) where <paramref name="parameter"/> (a <c>T</c>) was, lifting the comparisons it is in.</summary>
    private sealed class Lift(ParameterExpression parameter, ParameterExpression lifted) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == parameter ? lifted : node;

        protected override Expression VisitBinary(BinaryExpression node)
        {
            var (left, right) = (Visit(node.Left), Visit(node.Right));
            if (left.Type == right.Type || node.NodeType is ExpressionType.AndAlso or ExpressionType.OrElse)
            {
                return node.Update(left, node.Conversion, right);
            }

            return Expression.MakeBinary(node.NodeType, Nullable(left), Nullable(right));
        }

        private static Expression Nullable(Expression e) =>
            e.Type.IsValueType && System.Nullable.GetUnderlyingType(e.Type) is null ? Expression.Convert(e, typeof(Nullable<>).MakeGenericType(e.Type)) : e;
    }

    /// <summary>Puts <paramref name="id"/> where <paramref name="contact"/>'s id was.</summary>
    private sealed class ById(ParameterExpression contact, ParameterExpression id) : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node) =>
            node.Expression == contact && node.Member.Name == nameof(Contact.Id) ? id : base.VisitMember(node);
    }

    private sealed class Replace(ParameterExpression parameter, Expression replacement) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == parameter ? replacement : node;
    }
}
