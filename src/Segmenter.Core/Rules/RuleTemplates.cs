namespace Segmenter.Core.Rules;

/// <summary>A ready-made definition the builder offers to start from.</summary>
public sealed record RuleTemplate(string Key, string Name, string Category, string Description, RuleGroup Definition);

/// <summary>
/// The template catalogue: every example segment of the product guide, written in the rule language over
/// the demo tenant's fields and events (plan_type, lifetime_value, company_size, job_title,
/// last_purchase_date, product_interest, customer_tier, state, last_activity; email_opened, email_clicked,
/// page_view, added_to_cart, purchase with amount). A template that names a custom field a tenant does not
/// have is reported by the validator like any other definition.
/// </summary>
public static class RuleTemplates
{
    public static IReadOnlyList<RuleTemplate> All { get; } =
    [
        Template("company-employees", "Company employees", "Basic", "Email contains \"@company.com\".", """
            {"logic":"and","rules":[{"field":"email","operator":"contains","value":"@company.com"}]}
            """),
        Template("north-america-high-spenders", "North American high spenders", "Basic",
            "(USA or Canada) and last purchase over 30 days ago and total spent over $500 and more than 5 email opens.", """
            {"logic":"and","rules":[
              {"logic":"or","rules":[
                {"field":"country","operator":"equals","value":"USA"},
                {"field":"country","operator":"equals","value":"Canada"}]},
              {"field":"last_purchase_date","operator":"more_than_days_ago","value":30},
              {"field":"lifetime_value","operator":"greater_than","value":500},
              {"event":"email_opened","operator":"greater_than","value":5}]}
            """),
        Template("highly-engaged", "Highly engaged", "Engagement", "Opened 5 or more emails and clicked 2 or more links in the last 30 days.", """
            {"logic":"and","rules":[
              {"event":"email_opened","within_days":30,"operator":"greater_than_or_equal","value":5},
              {"event":"email_clicked","within_days":30,"operator":"greater_than_or_equal","value":2}]}
            """),
        Template("at-risk", "At risk", "Engagement", "Fewer than 2 opens in the last 60 days, more than 5 before, subscribed over 90 days ago.", """
            {"logic":"and","rules":[
              {"event":"email_opened","within_days":60,"operator":"less_than","value":2},
              {"event":"email_opened","operator":"greater_than","value":5},
              {"field":"subscribed_at","operator":"more_than_days_ago","value":90}]}
            """),
        Template("never-engaged", "Never engaged", "Engagement", "Never opened an email, subscribed over 30 days ago.", """
            {"logic":"and","rules":[
              {"event":"email_opened","operator":"equals","value":0},
              {"field":"subscribed_at","operator":"more_than_days_ago","value":30}]}
            """),
        Template("recent-purchasers", "Recent purchasers", "Behaviour", "Purchased in the last 7 days.", """
            {"logic":"and","rules":[{"event":"purchase","aggregate":"last_at","operator":"within_days","value":7}]}
            """),
        Template("cart-abandoners", "Cart abandoners", "Behaviour", "Added to cart in the last 24 hours, never purchased, active in the last 24 hours.", """
            {"logic":"and","rules":[
              {"event":"added_to_cart","aggregate":"sum","property":"value","within_days":1,"operator":"greater_than","value":0},
              {"event":"purchase","aggregate":"last_at","operator":"is_empty"},
              {"field":"last_activity","operator":"within_days","value":1}]}
            """),
        Template("browse-abandoners", "Browse abandoners", "Behaviour", "More than 3 pages viewed and nothing added to cart in the last 48 hours.", """
            {"logic":"and","rules":[
              {"event":"page_view","within_days":2,"operator":"greater_than","value":3},
              {"event":"added_to_cart","within_days":2,"operator":"equals","value":0},
              {"event":"page_view","aggregate":"last_at","operator":"within_days","value":2}]}
            """),
        Template("geographic-targeting", "Geographic targeting", "Demographic", "In California, New York or Texas, on Pacific time.", """
            {"logic":"and","rules":[
              {"field":"country","operator":"equals","value":"USA"},
              {"field":"state","operator":"in","value":["CA","NY","TX"]},
              {"field":"time_zone","operator":"equals","value":"America/Los_Angeles"}]}
            """),
        Template("birthday-month", "Birthday month", "Demographic", "Birthday in the current month.", """
            {"logic":"and","rules":[{"field":"birthday","operator":"month_equals","value":"current"}]}
            """),
        Template("customer-lifecycle", "Loyal gold customers", "Demographic", "Account older than a year on the Gold tier.", """
            {"logic":"and","rules":[
              {"field":"created_at","operator":"more_than_days_ago","value":365},
              {"field":"customer_tier","operator":"equals","value":"Gold"}]}
            """),
        Template("qualified-leads", "Qualified leads", "Advanced", "Developers interested in software or marketers in marketing, at companies over 100 people or with over $10,000 spent.", """
            {"logic":"and","rules":[
              {"logic":"or","rules":[
                {"logic":"and","rules":[
                  {"field":"product_interest","operator":"equals","value":"Software"},
                  {"field":"job_title","operator":"contains","value":"Developer"}]},
                {"logic":"and","rules":[
                  {"field":"product_interest","operator":"equals","value":"Marketing"},
                  {"field":"job_title","operator":"contains","value":"Marketing"}]}]},
              {"logic":"or","rules":[
                {"field":"company_size","operator":"greater_than","value":100},
                {"field":"lifetime_value","operator":"greater_than","value":10000}]}]}
            """),
        Template("active-last-30-days", "Active in the last 30 days", "Advanced", "Any activity in the last 30 days (a rolling window).", """
            {"logic":"and","rules":[{"field":"last_activity","operator":"within_days","value":30}]}
            """),
        Template("signup-anniversary", "Signup anniversary", "Advanced", "Signed up on this day in an earlier year.", """
            {"logic":"and","rules":[{"field":"created_at","operator":"anniversary_today"}]}
            """),
        Template("holiday-season", "Holiday season", "Advanced", "Everyone, during November and December.", """
            {"logic":"and","rules":[{"field":"today","operator":"month_in","value":[11,12]}]}
            """),
        Template("welcome-series", "Welcome series", "Quick start", "Subscribed in the last 7 days and not yet sent the welcome email.", """
            {"logic":"and","rules":[
              {"field":"subscribed_at","operator":"within_days","value":7},
              {"event":"email_sent","where":[{"property":"campaign","operator":"equals","value":"welcome"}],"operator":"equals","value":0}]}
            """),
        Template("win-back", "Win-back", "Quick start", "Customers whose last purchase was over 180 days ago.", """
            {"logic":"and","rules":[
              {"field":"last_purchase_date","operator":"more_than_days_ago","value":180},
              {"event":"purchase","operator":"greater_than","value":0}]}
            """),
        Template("top-tier", "Top tier", "Quick start", "Lifetime value over $1,000 or more than 5 purchases in the last year.", """
            {"logic":"or","rules":[
              {"field":"lifetime_value","operator":"greater_than","value":1000},
              {"event":"purchase","within_days":365,"operator":"greater_than","value":5}]}
            """),
        Template("inactive", "Inactive", "Quick start", "Subscribed, but the last email open was over 90 days ago.", """
            {"logic":"and","rules":[
              {"event":"email_opened","aggregate":"last_at","operator":"more_than_days_ago","value":90},
              {"field":"status","operator":"equals","value":"subscribed"}]}
            """),
        Template("high-value-active", "High value active", "Quick start", "Lifetime value over $500 and active in the last 30 days (the API example).", """
            {"logic":"and","rules":[
              {"field":"lifetime_value","operator":"greater_than","value":500},
              {"field":"last_activity","operator":"within_days","value":30}]}
            """),
    ];

    public static RuleTemplate? Find(string key) => All.FirstOrDefault(t => t.Key == key);

    private static RuleTemplate Template(string key, string name, string category, string description, string definition) =>
        new(key, name, category, description, RuleJson.ParseDefinition(definition));
}
