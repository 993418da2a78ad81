using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Segmenter.Core.Rules;

/// <summary>
/// The SQL functions rule translation calls, mapped as EF <c>DbFunction</c>s and created by the
/// <c>RuleFunctions</c> migration and those after it. Each reads one key of a jsonb document as a typed value, and
/// yields NULL (empty) when the stored JSON is of another type, so a stray value never turns a count into an error;
/// <see cref="Matches"/> tests a comparison in the document itself, false for a value of another type.
/// <see cref="Number"/>, <see cref="Boolean"/> and <see cref="LocalDate"/> are IMMUTABLE; <see cref="Date"/> and
/// <see cref="Timestamp"/> are STABLE, as the casts from text they inline are.
/// </summary>
public static class RuleSql
{
    /// <summary><c>segmenter_number(j, k)</c>: the number at key k, or NULL.</summary>
    public static decimal? Number(JsonDocument json, string key) => throw OnlyInSql();

    /// <summary><c>segmenter_boolean(j, k)</c>: the boolean at key k, or NULL.</summary>
    public static bool? Boolean(JsonDocument json, string key) => throw OnlyInSql();

    /// <summary>
    /// <c>segmenter_date(j, k)</c>: the "YYYY-MM-DD" string at key k as a date, or NULL. Told from a value of another
    /// JSON type by a LIKE pattern and cast, not matched by a regular expression and built by <c>make_date</c> (0.5 s
    /// a million contacts instead of 0.85): attributes are typed when written (<c>ContactInput</c>) and a field's
    /// type never changes, so a string at a date key is a valid day.
    /// </summary>
    public static DateOnly? Date(JsonDocument json, string key) => throw OnlyInSql();

    /// <summary><c>segmenter_timestamp(j, k)</c>: the ISO-8601 instant string at key k, or NULL.</summary>
    public static DateTimeOffset? Timestamp(JsonDocument json, string key) => throw OnlyInSql();

    /// <summary>
    /// <c>segmenter_matches(j, path)</c>: whether the SQL/JSON path predicate holds of the document, false when it is
    /// unknown (a missing key in strict mode, a comparison of values of different types). The path is a parameter,
    /// cast once when the query is planned.
    /// </summary>
    public static bool Matches(JsonDocument json, string path) => throw OnlyInSql();

    /// <summary><c>segmenter_local_date(t, zone)</c>: the calendar date of instant t in the IANA time zone.</summary>
    public static DateOnly? LocalDate(DateTimeOffset? instant, string zone) => throw OnlyInSql();

    /// <summary>The functions' SQL, for the migration that creates them.</summary>
    public const string CreateFunctions = """
        CREATE OR REPLACE FUNCTION segmenter_number(j jsonb, k text) RETURNS numeric
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN jsonb_typeof(j -> k) = 'number' THEN (j -> k)::numeric END $$;

        CREATE OR REPLACE FUNCTION segmenter_boolean(j jsonb, k text) RETURNS boolean
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN jsonb_typeof(j -> k) = 'boolean' THEN (j -> k)::boolean END $$;

        CREATE OR REPLACE FUNCTION segmenter_date(j jsonb, k text) RETURNS date
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN (j ->> k) LIKE '____-__-__' THEN (j ->> k)::date END $$;

        CREATE OR REPLACE FUNCTION segmenter_timestamp(j jsonb, k text) RETURNS timestamptz
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN (j ->> k) LIKE '____-__-__T%' THEN (j ->> k)::timestamptz END $$;

        CREATE OR REPLACE FUNCTION segmenter_local_date(t timestamptz, zone text) RETURNS date
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT (t AT TIME ZONE zone)::date $$;

        CREATE OR REPLACE FUNCTION segmenter_matches(j jsonb, path text) RETURNS boolean
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT coalesce(j @@ path::jsonpath, false) $$;
        """;

    public const string DropFunctions = """
        DROP FUNCTION IF EXISTS segmenter_number(jsonb, text);
        DROP FUNCTION IF EXISTS segmenter_boolean(jsonb, text);
        DROP FUNCTION IF EXISTS segmenter_date(jsonb, text);
        DROP FUNCTION IF EXISTS segmenter_timestamp(jsonb, text);
        DROP FUNCTION IF EXISTS segmenter_local_date(timestamptz, text);
        DROP FUNCTION IF EXISTS segmenter_matches(jsonb, text);
        """;

    internal static void Register(ModelBuilder builder)
    {
        builder.HasDbFunction(Method(nameof(Number))).HasName("segmenter_number");
        builder.HasDbFunction(Method(nameof(Boolean))).HasName("segmenter_boolean");
        builder.HasDbFunction(Method(nameof(Date))).HasName("segmenter_date");
        builder.HasDbFunction(Method(nameof(Timestamp))).HasName("segmenter_timestamp");
        builder.HasDbFunction(Method(nameof(LocalDate))).HasName("segmenter_local_date");
        builder.HasDbFunction(Method(nameof(Matches))).HasName("segmenter_matches");
    }

    /// <summary>Reads key <paramref name="key"/> of a jsonb document as a value of a rule type (see <see cref="FieldCatalog.Access"/>).</summary>
    /// <param name="json">The jsonb column.</param>
    /// <param name="key">The key to read.</param>
    /// <param name="type">The rule type to read it as.</param>
    /// <param name="keyFromInput">
    /// True for keys the user typed (event properties): they are sent as parameters. False for catalog keys,
    /// checked against <c>^[a-z][a-z0-9_]{0,62}$</c>, which appear in the SQL so expression indexes can match.
    /// </param>
    internal static Expression Read(Expression json, string key, string type, bool keyFromInput = false)
    {
        Expression<Func<string>> parameter = () => key;
        var keyConstant = keyFromInput ? parameter.Body : Expression.Constant(key);
        return type switch
        {
            RuleOperators.Types.Number => Expression.Call(Method(nameof(Number)), json, keyConstant),
            RuleOperators.Types.Boolean => Expression.Call(Method(nameof(Boolean)), json, keyConstant),
            RuleOperators.Types.Date => Expression.Call(Method(nameof(Date)), json, keyConstant),
            RuleOperators.Types.DateTime => Expression.Call(Method(nameof(Timestamp)), json, keyConstant),
            // json ->> 'key': text of whatever is stored there, NULL when missing or JSON null.
            _ => Expression.Call(
                Expression.Call(
                    Expression.Property(json, nameof(JsonDocument.RootElement)),
                    typeof(JsonElement).GetMethod(nameof(JsonElement.GetProperty), [typeof(string)])!,
                    keyConstant),
                typeof(JsonElement).GetMethod(nameof(JsonElement.GetString))!),
        };
    }

    private static MethodInfo Method(string name) => typeof(RuleSql).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;

    private static NotSupportedException OnlyInSql() => new("This method is translated to SQL by EF Core; it cannot run in .NET.");
}
