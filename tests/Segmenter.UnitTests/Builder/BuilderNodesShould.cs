using System.Text.Json;
using Segmenter.Core.Rules;
using Segmenter.Web.Components.Builder;

namespace Segmenter.UnitTests.Builder;

public sealed class BuilderNodesShould
{
    public static TheoryData<string> Templates => [.. RuleTemplates.All.Select(t => t.Key)];

    [Theory]
    [MemberData(nameof(Templates))]
    public void Give_back_a_loaded_template_exactly_when_nothing_was_edited(string key)
    {
        var definition = RuleTemplates.Find(key)!.Definition;

        var loaded = BuilderGroup.From(definition, BuilderHarness.Tenant);

        Assert.Equal(RuleJson.Serialize(definition), RuleJson.Serialize(loaded.ToRule()));
    }

    [Fact]
    public void Keep_a_loaded_instant_until_the_date_is_edited()
    {
        var definition = RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"created_at","operator":"before","value":"2026-03-01T05:00:00Z"}]}""");
        var loaded = BuilderGroup.From(definition, BuilderHarness.Tenant);
        var rule = (BuilderRule)loaded.Rules[0];

        var untouched = RuleJson.Serialize(loaded.ToRule());
        rule.Value.Date = rule.Value.Date!.Value.AddDays(1);

        Assert.Equal(RuleJson.Serialize(definition), untouched);
        Assert.Equal("\"2026-03-02\"", ValueOf(loaded));
    }

    [Theory]
    [InlineData("field:lifetime_value", "between", "[10,20]")]
    [InlineData("field:birthday", "between", "[\"2026-01-02\",\"2026-02-03\"]")]
    [InlineData("field:birthday", "month_in", "[1,12]")]
    [InlineData("field:birthday", "month_equals", "\"current\"")]
    [InlineData("field:birthday", "within_days", "10")]
    [InlineData("field:tags", "contains_any", "[\"vip\",\"beta\"]")]
    [InlineData("field:lifetime_value", "in", "[10,\"lots\"]")]
    public void Write_an_edited_value_in_the_shape_its_operator_takes(string subject, string op, string expected)
    {
        var root = new BuilderGroup();
        var rule = new BuilderRule();
        root.Rules.Add(rule);
        rule.Choose(subject, BuilderHarness.Tenant);
        rule.ChooseOperator(op, BuilderHarness.Tenant);

        (rule.Value.Number, rule.Value.UpperNumber) = (10m, 20m);
        (rule.Value.Date, rule.Value.UpperDate) = (new DateTime(2026, 1, 2), new DateTime(2026, 2, 3));
        rule.Value.Items = op switch
        {
            "month_in" => ["1", "12"],
            "in" => ["10", "lots"],
            _ => ["vip", "beta"],
        };
        rule.Value.Text = RuleValue.CurrentMonth;

        Assert.Equal(expected, ValueOf(root));
    }

    [Fact]
    public void Reset_the_operator_and_value_when_the_subject_changes()
    {
        var rule = new BuilderRule();
        rule.Choose("field:country", BuilderHarness.Tenant);
        rule.Value.Text = "USA";

        rule.Choose("event:purchase", BuilderHarness.Tenant);

        Assert.Equal(
            """{"event":"purchase","aggregate":"count","operator":"greater_than_or_equal","value":1}""",
            RuleJson.Serialize(rule.ToRule()));
    }

    private static string ValueOf(BuilderGroup root) =>
        JsonSerializer.Serialize(((FieldCondition)root.ToRule().Rules[0]).Value);
}
