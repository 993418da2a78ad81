using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Fields;
using Segmenter.Core.Rules;
using Segmenter.Core.Tenancy;

namespace Segmenter.UnitTests.Rules;

/// <summary>
/// The exact SQL one representative of each operator family produces (efcore.pg style), so a reader sees
/// what a rule becomes and a change to it is a visible diff. "Now" is 2026-02-28 15:30 UTC, a 28 February of
/// a non-leap year, in New York.
/// </summary>
public sealed class SqlBaselineShould
{
    private static readonly RuleEnvironment Environment = new(
        new FieldCatalog(
        [
            new FieldDefinition { TenantId = Guid.Empty, Key = "lifetime_value", Label = "LTV", Type = FieldType.Number },
            new FieldDefinition { TenantId = Guid.Empty, Key = "job_title", Label = "Job", Type = FieldType.Text },
            new FieldDefinition { TenantId = Guid.Empty, Key = "vip", Label = "VIP", Type = FieldType.Boolean },
            new FieldDefinition { TenantId = Guid.Empty, Key = "last_activity", Label = "Last activity", Type = FieldType.DateTime },
        ]),
        TimeZoneInfo.FindSystemTimeZoneById("America/New_York"),
        new DateTimeOffset(2026, 2, 28, 15, 30, 0, TimeSpan.Zero));

    public static TheoryData<string, string> Baselines => new()
    {
        {
            """{"field":"country","operator":"equals","value":"USA"}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @v='usa'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND c.country IS NOT NULL AND lower(c.country) = @v
            """
        },
        {
            """{"field":"email","operator":"not_contains","value":"50%_off"}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @v_contains='%50\%\_off%'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND c.email_normalized NOT LIKE @v_contains
            """
        },
        {
            """{"field":"country","operator":"in","value":["USA","Canada"]}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @list={ 'usa', 'canada' } (DbType = Object)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND c.country IS NOT NULL AND lower(c.country) = ANY (@list)
            """
        },
        {
            """{"field":"city","operator":"is_empty"}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND (c.city IS NULL OR c.city = '')
            """
        },
        {
            """{"field":"lifetime_value","operator":"between","value":[100,500]}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @path='strict $."lifetime_value" >= 100 && $."lifetime_value" <= 500'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND segmenter_matches(c.attributes, @path)
            """
        },
        {
            """{"field":"birthday","operator":"anniversary_today"}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND c.birthday IS NOT NULL AND date_part('month', c.birthday)::int = 2 AND (date_part('day', c.birthday)::int = 28 OR date_part('day', c.birthday)::int = 29)
            """
        },
        {
            """{"field":"subscribed_at","operator":"equals","value":"2026-02-01"}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @low='2026-02-01T05:00:00.0000000+00:00' (Nullable = true) (DbType = DateTime)
            -- @high='2026-02-02T05:00:00.0000000+00:00' (Nullable = true) (DbType = DateTime)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND c.subscribed_at >= @low AND c.subscribed_at < @high
            """
        },
        {
            """{"field":"created_at","operator":"month_equals","value":"current"}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @zone='America/New_York'
            -- @m='2'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND segmenter_local_date(c.created_at, @zone) IS NOT NULL AND date_part('month', segmenter_local_date(c.created_at, @zone))::int = @m
            """
        },
        {
            """{"field":"vip","operator":"equals","value":true}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @b='True' (Nullable = true)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND segmenter_boolean(c.attributes, 'vip') IS NOT NULL AND segmenter_boolean(c.attributes, 'vip') = @b
            """
        },
        {
            """{"field":"tags","operator":"contains_all","value":["vip","beta"]}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @list={ 'vip', 'beta' } (DbType = Object)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND NOT EXISTS (
                SELECT 1
                FROM unnest(@list) AS l(value)
                WHERE NOT EXISTS (
                    SELECT 1
                    FROM unnest(c.tags) AS t(value)
                    WHERE lower(t.value) = l.value))
            """
        },
        {
            """{"event":"email_opened","within_days":30,"where":[{"property":"campaign","operator":"equals","value":"7"}],"operator":"greater_than_or_equal","value":5}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @type='email_opened'
            -- @now='2026-02-28T15:30:00.0000000+00:00' (DbType = DateTime)
            -- @since='2026-01-29T15:30:00.0000000+00:00' (DbType = DateTime)
            -- @key='campaign'
            -- @v='7'
            -- @v7='5'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND (
                SELECT count(*)::int
                FROM contact_events AS c0
                WHERE c0.tenant_id = @ef_filter__CurrentTenantId AND c.tenant_id = c0.tenant_id AND c.id = c0.contact_id AND c0.type = @type AND c0.occurred_at <= @now AND c0.occurred_at >= @since AND c0.properties ->> @key IS NOT NULL AND lower(c0.properties ->> @key) = @v)::numeric >= @v7
            """
        },
        {
            // The last view within 2 days is implied by more than 3 views in 2 days, and left out.
            """{"logic":"and","rules":[{"event":"page_view","within_days":2,"operator":"greater_than","value":3},{"event":"page_view","aggregate":"last_at","operator":"within_days","value":2}]}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @type='page_view'
            -- @now='2026-02-28T15:30:00.0000000+00:00' (DbType = DateTime)
            -- @since='2026-02-26T15:30:00.0000000+00:00' (DbType = DateTime)
            -- @v='3'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND (
                SELECT count(*)::int
                FROM contact_events AS c0
                WHERE c0.tenant_id = @ef_filter__CurrentTenantId AND c.tenant_id = c0.tenant_id AND c.id = c0.contact_id AND c0.type = @type AND c0.occurred_at <= @now AND c0.occurred_at >= @since)::numeric > @v
            """
        },
        {
            """{"event":"purchase","aggregate":"sum","property":"amount","operator":"greater_than","value":500}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @property='amount'
            -- @type='purchase'
            -- @now='2026-02-28T15:30:00.0000000+00:00' (DbType = DateTime)
            -- @v='500'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND COALESCE((
                SELECT COALESCE(sum(segmenter_number(c0.properties, @property)), 0.0)
                FROM contact_events AS c0
                WHERE c0.tenant_id = @ef_filter__CurrentTenantId AND c.tenant_id = c0.tenant_id AND c.id = c0.contact_id AND c0.type = @type AND c0.occurred_at <= @now), 0.0) > @v
            """
        },
        {
            """{"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"in","entered_within_days":7}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @segment='0199b3a2-0000-7000-8000-000000000001'
            -- @since='2026-02-21T15:30:00.0000000+00:00' (DbType = DateTime)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND EXISTS (
                SELECT 1
                FROM segment_members AS s
                WHERE s.tenant_id = @ef_filter__CurrentTenantId AND c.tenant_id = s.tenant_id AND c.id = s.contact_id AND s.segment_id = @segment AND s.entered_at >= @since)
            """
        },
        {
            """{"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"not_in"}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @segment='0199b3a2-0000-7000-8000-000000000001'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND NOT EXISTS (
                SELECT 1
                FROM segment_members AS s
                WHERE s.tenant_id = @ef_filter__CurrentTenantId AND c.tenant_id = s.tenant_id AND c.id = s.contact_id AND s.segment_id = @segment)
            """
        },
        {
            """{"field":"today","operator":"month_in","value":[11,12]}""",
            """
            SELECT c.id
            FROM contacts AS c
            WHERE FALSE
            """
        },
        {
            """{"event":"purchase","aggregate":"avg","property":"amount","operator":"not_equals","value":20}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @type='purchase'
            -- @now='2026-02-28T15:30:00.0000000+00:00' (DbType = DateTime)
            -- @property='amount'
            -- @v='20' (Nullable = true)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND NOT EXISTS (
                SELECT 1
                FROM contact_events AS c0
                WHERE c0.tenant_id = @ef_filter__CurrentTenantId AND c.tenant_id = c0.tenant_id AND c.id = c0.contact_id AND c0.type = @type AND c0.occurred_at <= @now
                GROUP BY c0.contact_id
                HAVING avg(segmenter_number(c0.properties, @property)) = @v)
            """
        },
        {
            """{"field":"lifetime_value","operator":"not_in","value":[0.5,-3]}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @path='strict $."lifetime_value" == 0.5 || $."lifetime_value" == -3'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND NOT (segmenter_matches(c.attributes, @path))
            """
        },
        {
            """{"field":"last_activity","operator":"within_days","value":30}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @span='[01/29/2026 15:30:00 +00:00,02/28/2026 15:30:00 +00:00]' (DbType = Object)
            -- @outside='2026-01-28T15:30:00.0000000+00:00' (DbType = DateTime)
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND @span @> COALESCE(segmenter_timestamp(c.attributes, 'last_activity'), @outside)
            """
        },
        {
            """{"logic":"or","negate":true,"rules":[{"field":"country","operator":"not_equals","value":"USA"},{"field":"tags","operator":"is_empty"}]}""",
            """
            -- @ef_filter__CurrentTenantId='0199b3a2-0000-7000-8000-0000000000aa' (Nullable = true)
            -- @v='usa'
            SELECT c.id
            FROM contacts AS c
            WHERE c.tenant_id = @ef_filter__CurrentTenantId AND c.country IS NOT NULL AND lower(c.country) = @v AND cardinality(c.tags) > 0
            """
        },
    };

    [Theory]
    [MemberData(nameof(Baselines))]
    public void Translate_each_operator_family_to_this_sql(string rule, string sql)
    {
        // A range parameter is shown in the current culture's format.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            using var db = CreateContext();
            var definition = RuleJson.ParseDefinition(rule.StartsWith("""{"logic""", StringComparison.Ordinal) ? rule : $$"""{"logic":"and","rules":[{{rule}}]}""");

            Assert.Equal(sql, db.Contacts.Where(RuleTranslator.Translate(definition, Environment)).Select(c => c.Id).ToQueryString());
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static SegmenterDbContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<SegmenterDbContext>();
        SegmenterDbContext.Configure(options, "Host=unused");
        var tenant = new TenantContext();
        tenant.Use(Guid.Parse("0199b3a2-0000-7000-8000-0000000000aa"));
        return new SegmenterDbContext(options.Options, tenant);
    }
}
