using Segmenter.Core.Rules;
using Segmenter.Web.Components.Builder;

namespace Segmenter.UnitTests.Builder;

public sealed class RuleTextShould
{
    [Theory]
    [InlineData("""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"USA"}]}""", "All of these")]
    [InlineData("""{"logic":"and","negate":true,"rules":[{"field":"country","operator":"equals","value":"USA"}]}""", "Not all of these")]
    [InlineData("""{"logic":"or","negate":true,"rules":[{"field":"country","operator":"equals","value":"USA"}]}""", "None of these")]
    [InlineData("""{"logic":"or","rules":[{"field":"country","operator":"equals","value":"USA"}]}""", "Any of these")]
    public void Word_a_group_by_its_logic_and_negation(string json, string expected) =>
        Assert.Equal(expected, RuleText.Describe(RuleJson.ParseDefinition(json), BuilderHarness.Tenant));

    [Theory]
    [InlineData("""{"field":"lifetime_value","operator":"between","value":[10,20]}""", "Lifetime value is between 10 and 20")]
    [InlineData("""{"field":"birthday","operator":"within_next_days","value":7}""", "Birthday is in the next 7 days")]
    [InlineData(
        """{"event":"purchase","aggregate":"sum","property":"amount","within_days":30,"where":[{"property":"category","operator":"equals","value":"shoes"}],"operator":"greater_than","value":100}""",
        "purchase: total of amount is more than 100 in the last 30 days where category is shoes")]
    [InlineData("""{"segment":"0199b3a2-0000-7000-8000-000000000001","operator":"in","entered_within_days":7}""", "Member of Newsletter (joined in the last 7 days)")]
    public void Word_a_condition_as_the_builder_shows_it(string json, string expected) =>
        Assert.Equal(expected, RuleText.Describe(RuleJson.ParseDefinition($$"""{"logic":"and","rules":[{{json}}]}""").Rules[0], BuilderHarness.Tenant));
}
