using Segmenter.Core.Fields;
using Segmenter.Core.Rules;

namespace Segmenter.UnitTests.Rules;

public sealed class RuleValidatorShould
{
    private static readonly Guid Newsletter = Guid.Parse("0199b3a2-0000-7000-8000-000000000001");
    private static readonly Guid Vips = Guid.Parse("0199b3a2-0000-7000-8000-000000000002");
    private static readonly Guid Edited = Guid.Parse("0199b3a2-0000-7000-8000-000000000003");

    private static readonly FieldCatalog Catalog = new(
    [
        new FieldDefinition { TenantId = Guid.Empty, Key = "lifetime_value", Label = "Lifetime value", Type = FieldType.Number },
        new FieldDefinition { TenantId = Guid.Empty, Key = "plan_type", Label = "Plan", Type = FieldType.Choice, Options = ["Free", "Pro"] },
        new FieldDefinition { TenantId = Guid.Empty, Key = "vip", Label = "VIP", Type = FieldType.Boolean },
        new FieldDefinition { TenantId = Guid.Empty, Key = "trial_ends_at", Label = "Trial ends", Type = FieldType.DateTime },
    ]);

    [Theory]
    [InlineData("""{"field":"country","operator":"equals","value":"USA"}""")]
    [InlineData("""{"field":"status","operator":"in","value":["subscribed","pending"]}""")]
    [InlineData("""{"field":"lifetime_value","operator":"between","value":[100,500.5]}""")]
    [InlineData("""{"field":"birthday","operator":"month_equals","value":"current"}""")]
    [InlineData("""{"field":"birthday","operator":"anniversary_today"}""")]
    [InlineData("""{"field":"trial_ends_at","operator":"before","value":"2026-11-24T09:00:00+01:00"}""")]
    [InlineData("""{"field":"today","operator":"month_in","value":[11,12]}""")]
    [InlineData("""{"field":"vip","operator":"not_equals","value":true}""")]
    [InlineData("""{"field":"tags","operator":"contains_all","value":["vip","beta"]}""")]
    [InlineData("""{"event":"purchase","aggregate":"avg","property":"amount","within_days":0,"where":[{"property":"category","operator":"equals","value":"shoes"},{"property":"amount","operator":"less_than","value":5}],"operator":"greater_than","value":20}""")]
    [InlineData("""{"event":"purchase","aggregate":"last_at","operator":"more_than_days_ago","value":36500}""")]
    [InlineData("""{"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"in","entered_within_days":7}""")]
    public void Accept_a_valid_condition(string condition) =>
        Assert.Empty(Errors($$"""{"logic":"and","rules":[{{condition}}]}"""));

    [Theory]
    [InlineData("""{"field":"colour","operator":"equals","value":"red"}""", "rules[0].field")]
    [InlineData("""{"field":"lifetime_value","operator":"contains","value":"1"}""", "rules[0].operator")]
    [InlineData("""{"field":"country","value":"USA"}""", "rules[0].operator")]
    [InlineData("""{"field":"country","operator":"equals"}""", "rules[0].value")]
    [InlineData("""{"field":"country","operator":"is_empty","value":"USA"}""", "rules[0].value")]
    [InlineData("""{"field":"country","operator":"equals","value":""}""", "rules[0].value")]
    [InlineData("""{"field":"country","operator":"equals","value":7}""", "rules[0].value")]
    [InlineData("""{"field":"lifetime_value","operator":"equals","value":"100"}""", "rules[0].value")]
    [InlineData("""{"field":"lifetime_value","operator":"equals","value":1e400}""", "rules[0].value")]
    [InlineData("""{"field":"lifetime_value","operator":"between","value":[500,100]}""", "rules[0].value")]
    [InlineData("""{"field":"lifetime_value","operator":"between","value":[1]}""", "rules[0].value")]
    [InlineData("""{"field":"lifetime_value","operator":"in","value":[1,"two"]}""", "rules[0].value[1]")]
    [InlineData("""{"field":"country","operator":"in","value":[]}""", "rules[0].value")]
    [InlineData("""{"field":"birthday","operator":"equals","value":"2026-02-30"}""", "rules[0].value")]
    [InlineData("""{"field":"birthday","operator":"before","value":"2026-02-01T00:00:00Z"}""", "rules[0].value")]
    [InlineData("""{"field":"trial_ends_at","operator":"after","value":"2026-02-01T10:00:00"}""", "rules[0].value")]
    [InlineData("""{"field":"birthday","operator":"month_equals","value":13}""", "rules[0].value")]
    [InlineData("""{"field":"birthday","operator":"month_in","value":[1,0]}""", "rules[0].value[1]")]
    [InlineData("""{"field":"birthday","operator":"within_days","value":36501}""", "rules[0].value")]
    [InlineData("""{"field":"birthday","operator":"within_days","value":-1}""", "rules[0].value")]
    [InlineData("""{"field":"birthday","operator":"within_days","value":1.5}""", "rules[0].value")]
    [InlineData("""{"field":"vip","operator":"equals","value":"true"}""", "rules[0].value")]
    [InlineData("""{"event":"purchase","aggregate":"sum","operator":"greater_than","value":1}""", "rules[0].property")]
    [InlineData("""{"event":"purchase","aggregate":"median","property":"amount","operator":"greater_than","value":1}""", "rules[0].aggregate")]
    [InlineData("""{"event":"purchase","aggregate":"first_at","operator":"greater_than","value":1}""", "rules[0].operator")]
    [InlineData("""{"event":"purchase","within_days":40000,"operator":"greater_than","value":1}""", "rules[0].within_days")]
    [InlineData("""{"event":"purchase","where":[{"property":"category","operator":"greater_than","value":"shoes"}],"operator":"greater_than","value":1}""", "rules[0].where[0].operator")]
    [InlineData("""{"event":"purchase","where":[{"property":"paid","operator":"equals","value":true}],"operator":"greater_than","value":1}""", "rules[0].where[0].value")]
    [InlineData("""{"event":"","operator":"greater_than","value":1}""", "rules[0].event")]
    [InlineData("""{"segment":"0199b3a2-0000-7000-8000-0000000000ff","operator":"in"}""", "rules[0].segment")]
    [InlineData("""{"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"not_in","entered_within_days":3}""", "rules[0].entered_within_days")]
    [InlineData("""{"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"equals"}""", "rules[0].operator")]
    [InlineData("""{"segment":"0199b3a2-0000-7000-8000-000000000003","operator":"in"}""", "rules[0].segment")]
    [InlineData("""{"segment":"0199b3a2-0000-7000-8000-000000000002","operator":"in"}""", "rules[0].segment")]
    [InlineData("""{"logic":"xor","rules":[{"field":"city","operator":"is_empty"}]}""", "rules[0].logic")]
    [InlineData("""{"logic":"or","rules":[]}""", "rules[0].rules")]
    public void Name_the_path_of_each_problem(string condition, string path) =>
        Assert.Equal([path], Errors($$"""{"logic":"and","rules":[{{condition}}]}""").Select(e => e.Path));

    [Fact]
    public void Refuse_an_empty_definition() =>
        Assert.Equal(["rules"], Errors("""{"logic":"and","rules":[]}""").Select(e => e.Path));

    [Fact]
    public void Refuse_more_conditions_than_the_limit()
    {
        var conditions = string.Join(",", Enumerable.Repeat("""{"field":"city","operator":"is_empty"}""", 21));

        Assert.Equal(["rules"], Errors($$"""{"logic":"and","rules":[{{conditions}}]}""").Select(e => e.Path));
        Assert.Empty(Errors($$"""{"logic":"and","rules":[{{conditions}}]}""", new RuleLimits { MaxConditions = 21 }));
    }

    [Fact]
    public void Refuse_nesting_deeper_than_the_limit()
    {
        var depth5 = """{"logic":"and","rules":[{"logic":"and","rules":[{"logic":"and","rules":[{"logic":"and","rules":[{"logic":"and","rules":[{"field":"city","operator":"is_empty"}]}]}]}]}]}""";
        var depth6 = depth5.Replace("""{"field":"city","operator":"is_empty"}""", """{"logic":"or","rules":[{"field":"city","operator":"is_empty"}]}""", StringComparison.Ordinal);

        Assert.Empty(Errors(depth5));
        Assert.Equal(["rules[0].rules[0].rules[0].rules[0].rules[0]"], Errors(depth6).Select(e => e.Path));
    }

    [Fact]
    public void Refuse_lists_and_strings_beyond_the_limits()
    {
        var list = string.Join(",", Enumerable.Range(0, 1001).Select(i => $"\"v{i}\""));
        var text = new string('x', 1001);

        Assert.Equal(["rules[0].value"], Errors($$"""{"logic":"and","rules":[{"field":"country","operator":"in","value":[{{list}}]}]}""").Select(e => e.Path));
        Assert.Equal(["rules[0].value"], Errors($$"""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"{{text}}"}]}""").Select(e => e.Path));
    }

    [Fact]
    public void Report_every_problem_at_once()
    {
        var errors = Errors("""
            {"logic":"and","rules":[
              {"field":"colour","operator":"equals","value":"red"},
              {"logic":"or","rules":[{"field":"lifetime_value","operator":"greater_than","value":"big"}]},
              {"event":"purchase","aggregate":"max","operator":"less_than","value":3}]}
            """);

        Assert.Equal(["rules[0].field", "rules[1].rules[0].value", "rules[2].property"], errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
    }

    private static List<(string Path, string Message)> Errors(string json, RuleLimits? limits = null)
    {
        // Vips references Edited: a reference from Edited to Vips would close a cycle.
        var segments = new Dictionary<Guid, IReadOnlyList<Guid>> { [Newsletter] = [], [Vips] = [Edited], [Edited] = [Newsletter] };
        var validator = new RuleValidator(new RuleValidationContext(Catalog, segments, Edited, limits ?? new RuleLimits()));
        return validator.Validate(RuleJson.ParseDefinition(json)).Errors.Select(e => (e.PropertyName, e.ErrorMessage)).ToList();
    }
}
