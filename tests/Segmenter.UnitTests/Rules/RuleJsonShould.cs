using System.Text.Json;
using Segmenter.Core.Rules;

namespace Segmenter.UnitTests.Rules;

public sealed class RuleJsonShould
{
    [Theory]
    [InlineData("""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"USA"}]}""")]
    [InlineData("""{"logic":"or","rules":[{"logic":"and","rules":[{"field":"status","operator":"equals","value":"subscribed"},{"field":"plan_type","operator":"equals","value":"Pro"}]},{"field":"lifetime_value","operator":"greater_than","value":1000}],"negate":true}""")]
    [InlineData("""{"logic":"and","rules":[{"event":"purchase","aggregate":"sum","property":"amount","within_days":90,"where":[{"property":"category","operator":"equals","value":"shoes"},{"property":"amount","operator":"greater_than","value":10.5}],"operator":"between","value":[100,500]}]}""")]
    [InlineData("""{"logic":"and","rules":[{"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"in","entered_within_days":7},{"field":"city","operator":"is_empty"}]}""")]
    public void Write_back_exactly_what_it_read(string json)
    {
        var tree = RuleJson.ParseDefinition(json);

        Assert.Equal(json, RuleJson.Serialize(tree));
        Assert.Equal(json, JsonSerializer.Serialize<RuleNode>(JsonSerializer.Deserialize<RuleNode>(json)!));
    }

    [Fact]
    public void Tell_each_node_kind_by_its_keys()
    {
        var tree = RuleJson.ParseDefinition("""
            {"logic":"AND","rules":[
              {"field":"email","operator":"contains","value":"@company.com"},
              {"event":"email_opened","operator":"greater_than","value":5},
              {"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"not_in"},
              {"logic":"Or","rules":[{"field":"tags","operator":"is_not_empty"}]}]}
            """);

        Assert.Equal(RuleGroup.And, tree.Logic);
        Assert.IsType<FieldCondition>(tree.Rules[0]);
        var e = Assert.IsType<EventCondition>(tree.Rules[1]);
        Assert.Equal(EventCondition.Count, e.Aggregate);
        Assert.IsType<MembershipCondition>(tree.Rules[2]);
        Assert.Equal(RuleGroup.Or, Assert.IsType<RuleGroup>(tree.Rules[3]).Logic);
    }

    [Fact]
    public void Read_the_shorthand_as_one_group()
    {
        using var json = JsonDocument.Parse("""
            {"name":"High Value Active","conditions":[
              {"field":"lifetime_value","operator":"greater_than","value":500},
              {"field":"last_activity","operator":"within_days","value":30}],"logic":"AND"}
            """);

        var shorthand = RuleJson.ReadShorthand(json.RootElement);

        Assert.Equal("High Value Active", shorthand.Name);
        Assert.Equal(RuleGroup.And, shorthand.Definition.Logic);
        Assert.Equal(2, shorthand.Definition.Rules.Count);
    }

    [Theory]
    [InlineData("""{"logic":"and","rules":[{"field":"a","operator":"equals","value":1},{"field":"b","event":"x"}]}""", "rules[1]")]
    [InlineData("""{"logic":"and","rules":[{"logic":"or","rules":[{"event":"x","operator":"equals","value":1,"within_days":"30"}]}]}""", "rules[0].rules[0].within_days")]
    [InlineData("""{"logic":"and","rules":[{"segment":"not-a-uuid","operator":"in"}]}""", "rules[0].segment")]
    [InlineData("""{"logic":"and","rules":[{"field":"a","operator":"equals","valeu":1}]}""", "rules[0].valeu")]
    [InlineData("""{"logic":"and","rules":{"field":"a"}}""", "rules")]
    [InlineData("""{"logic":"and","rules":[42]}""", "rules[0]")]
    [InlineData("""{"logic":"and","negate":"yes","rules":[]}""", "negate")]
    public void Name_the_path_of_a_structural_error(string json, string path)
    {
        var error = Assert.Throws<RuleJsonException>(() => RuleJson.ParseDefinition(json));

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Refuse_a_condition_as_a_definition() =>
        Assert.Throws<RuleJsonException>(() => RuleJson.ParseDefinition("""{"field":"email","operator":"is_empty"}"""));
}
