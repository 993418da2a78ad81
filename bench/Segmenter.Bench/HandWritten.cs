namespace Segmenter.Bench;

/// <summary>
/// For each template of the catalogue, the best SQL for its question over the raw tables of DESIGN section 3
/// (contacts and contact_events, no roll-ups), written as an expert would for this data: filters that
/// narrow the contacts first, EXISTS and NOT EXISTS against the (tenant, contact, type, instant) index,
/// GROUP BY over an index range of the window where most contacts have no such events, typed casts of
/// attributes the expert knows are well-formed. <c>$1</c> is the tenant, <c>$2</c> now; the tenant is in UTC,
/// so today is <c>($2 AT TIME ZONE 'UTC')::date</c>. Each must count what the rule language means
/// (DESIGN section 4), and the benchmark checks that it counts the same contacts as the engine.
/// </summary>
internal static class HandWritten
{
    private const string Today = "($2 AT TIME ZONE 'UTC')::date";

    public static IReadOnlyDictionary<string, string> Sql { get; } = new Dictionary<string, string>
    {
        ["company-employees"] = "SELECT count(*) FROM contacts WHERE tenant_id = $1 AND email_normalized LIKE '%@company.com%'",
        ["north-america-high-spenders"] = $"""
            SELECT count(*) FROM contacts AS c
            WHERE c.tenant_id = $1 AND lower(c.country) IN ('usa', 'canada')
              AND (c.attributes ->> 'last_purchase_date')::date < {Today} - 30
              AND (c.attributes ->> 'lifetime_value')::numeric > 500
              AND (SELECT count(*) FROM contact_events AS e
                   WHERE e.tenant_id = $1 AND e.contact_id = c.id AND e.type = 'email_opened' AND e.occurred_at <= $2) > 5
            """,
        ["highly-engaged"] = """
            SELECT count(*) FROM
              (SELECT contact_id FROM contact_events
               WHERE tenant_id = $1 AND type = 'email_opened' AND occurred_at BETWEEN $2 - interval '30 days' AND $2
               GROUP BY contact_id HAVING count(*) >= 5) AS opened
            JOIN
              (SELECT contact_id FROM contact_events
               WHERE tenant_id = $1 AND type = 'email_clicked' AND occurred_at BETWEEN $2 - interval '30 days' AND $2
               GROUP BY contact_id HAVING count(*) >= 2) AS clicked USING (contact_id)
            """,
        ["at-risk"] = """
            SELECT count(*) FROM contacts AS c
            JOIN (SELECT contact_id FROM contact_events
                  WHERE tenant_id = $1 AND type = 'email_opened' AND occurred_at <= $2
                  GROUP BY contact_id
                  HAVING count(*) > 5 AND count(*) FILTER (WHERE occurred_at >= $2 - interval '60 days') < 2) AS o
              ON c.tenant_id = $1 AND c.id = o.contact_id
            WHERE c.subscribed_at < $2 - interval '90 days'
            """,
        ["never-engaged"] = """
            SELECT count(*) FROM contacts AS c
            WHERE c.tenant_id = $1 AND c.subscribed_at < $2 - interval '30 days'
              AND NOT EXISTS (SELECT 1 FROM contact_events AS e
                              WHERE e.tenant_id = $1 AND e.contact_id = c.id AND e.type = 'email_opened' AND e.occurred_at <= $2)
            """,
        ["recent-purchasers"] = """
            SELECT count(DISTINCT contact_id) FROM contact_events
            WHERE tenant_id = $1 AND type = 'purchase' AND occurred_at BETWEEN $2 - interval '7 days' AND $2
            """,
        ["cart-abandoners"] = """
            SELECT count(*) FROM contacts AS c
            WHERE c.tenant_id = $1 AND (c.attributes ->> 'last_activity')::timestamptz BETWEEN $2 - interval '1 day' AND $2
              AND c.id IN (SELECT contact_id FROM contact_events
                           WHERE tenant_id = $1 AND type = 'added_to_cart' AND occurred_at BETWEEN $2 - interval '1 day' AND $2
                           GROUP BY contact_id HAVING coalesce(sum((properties ->> 'value')::numeric), 0) > 0)
              AND NOT EXISTS (SELECT 1 FROM contact_events AS p
                              WHERE p.tenant_id = $1 AND p.contact_id = c.id AND p.type = 'purchase' AND p.occurred_at <= $2)
            """,
        ["browse-abandoners"] = """
            SELECT count(*) FROM
              (SELECT contact_id FROM contact_events
               WHERE tenant_id = $1 AND type = 'page_view' AND occurred_at BETWEEN $2 - interval '2 days' AND $2
               GROUP BY contact_id HAVING count(*) > 3) AS viewed
            WHERE NOT EXISTS (SELECT 1 FROM contact_events AS a
                              WHERE a.tenant_id = $1 AND a.contact_id = viewed.contact_id AND a.type = 'added_to_cart'
                                AND a.occurred_at BETWEEN $2 - interval '2 days' AND $2)
            """,
        ["geographic-targeting"] = """
            SELECT count(*) FROM contacts
            WHERE tenant_id = $1 AND lower(country) = 'usa' AND lower(attributes ->> 'state') IN ('ca', 'ny', 'tx')
              AND lower(time_zone) = 'america/los_angeles'
            """,
        ["birthday-month"] = $"SELECT count(*) FROM contacts WHERE tenant_id = $1 AND extract(month FROM birthday) = extract(month FROM {Today})",
        ["customer-lifecycle"] = """
            SELECT count(*) FROM contacts
            WHERE tenant_id = $1 AND created_at < $2 - interval '365 days' AND lower(attributes ->> 'customer_tier') = 'gold'
            """,
        ["qualified-leads"] = """
            SELECT count(*) FROM contacts
            WHERE tenant_id = $1
              AND ((lower(attributes ->> 'product_interest') = 'software' AND lower(attributes ->> 'job_title') LIKE '%developer%')
                OR (lower(attributes ->> 'product_interest') = 'marketing' AND lower(attributes ->> 'job_title') LIKE '%marketing%'))
              AND ((attributes ->> 'company_size')::numeric > 100 OR (attributes ->> 'lifetime_value')::numeric > 10000)
            """,
        ["active-last-30-days"] = """
            SELECT count(*) FROM contacts
            WHERE tenant_id = $1 AND (attributes ->> 'last_activity')::timestamptz BETWEEN $2 - interval '30 days' AND $2
            """,
        ["signup-anniversary"] = $"""
            SELECT count(*) FROM contacts
            WHERE tenant_id = $1 AND extract(month FROM created_at AT TIME ZONE 'UTC') = extract(month FROM {Today})
              AND extract(day FROM created_at AT TIME ZONE 'UTC') = extract(day FROM {Today})
            """,
        ["holiday-season"] = $"SELECT count(*) FROM contacts WHERE tenant_id = $1 AND extract(month FROM {Today}) IN (11, 12)",
        ["welcome-series"] = """
            SELECT count(*) FROM contacts AS c
            WHERE c.tenant_id = $1 AND c.subscribed_at BETWEEN $2 - interval '7 days' AND $2
              AND NOT EXISTS (SELECT 1 FROM contact_events AS e
                              WHERE e.tenant_id = $1 AND e.contact_id = c.id AND e.type = 'email_sent' AND e.occurred_at <= $2
                                AND lower(e.properties ->> 'campaign') = 'welcome')
            """,
        ["win-back"] = $"""
            SELECT count(*) FROM contacts AS c
            WHERE c.tenant_id = $1 AND (c.attributes ->> 'last_purchase_date')::date < {Today} - 180
              AND EXISTS (SELECT 1 FROM contact_events AS e
                          WHERE e.tenant_id = $1 AND e.contact_id = c.id AND e.type = 'purchase' AND e.occurred_at <= $2)
            """,
        ["top-tier"] = """
            SELECT count(*) FROM contacts AS c
            WHERE c.tenant_id = $1
              AND ((c.attributes ->> 'lifetime_value')::numeric > 1000
                OR c.id IN (SELECT contact_id FROM contact_events
                            WHERE tenant_id = $1 AND type = 'purchase' AND occurred_at BETWEEN $2 - interval '365 days' AND $2
                            GROUP BY contact_id HAVING count(*) > 5))
            """,
        ["inactive"] = """
            SELECT count(*) FROM contacts AS c
            JOIN (SELECT contact_id FROM contact_events
                  WHERE tenant_id = $1 AND type = 'email_opened' AND occurred_at <= $2
                  GROUP BY contact_id HAVING max(occurred_at) < $2 - interval '90 days') AS o
              ON c.tenant_id = $1 AND c.id = o.contact_id
            WHERE c.status = 'subscribed'
            """,
        ["high-value-active"] = """
            SELECT count(*) FROM contacts
            WHERE tenant_id = $1 AND (attributes ->> 'lifetime_value')::numeric > 500
              AND (attributes ->> 'last_activity')::timestamptz BETWEEN $2 - interval '30 days' AND $2
            """,
    };

    /// <summary>The physical floor of a scan: every contact of the tenant, counted.</summary>
    public const string CountAll = "SELECT count(*) FROM contacts WHERE tenant_id = $1";
}
