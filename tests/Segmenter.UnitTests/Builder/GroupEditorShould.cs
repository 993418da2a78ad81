using Bunit;
using Segmenter.Core.Rules;
using Segmenter.Web.Components.Builder;

namespace Segmenter.UnitTests.Builder;

public sealed class GroupEditorShould
{
    [Fact]
    public async Task Add_and_remove_rules_and_nested_groups()
    {
        await using var builder = new BuilderHarness();

        await BuilderHarness.PressAsync(builder.All("add-rule")[0]);
        await BuilderHarness.PressAsync(builder.All("add-group")[^1]);
        await BuilderHarness.PressAsync(builder.All("add-rule", builder.Group(1))[0]);

        Assert.Equal(4, builder.All("builder-rule").Count);
        Assert.Equal(2, builder.All("builder-rule", builder.Group(1)).Count);
        Assert.Equal(["rules[0]", "rules[1]", "rules[2].rules[0]", "rules[2].rules[1]"], builder.All("builder-rule").Select(r => r.GetAttribute("data-path")));

        await BuilderHarness.PressAsync(builder.All("remove-rule")[0]);
        Assert.Equal(["rules[0]", "rules[1].rules[0]", "rules[1].rules[1]"], builder.All("builder-rule").Select(r => r.GetAttribute("data-path")));

        await BuilderHarness.PressAsync(builder.All("remove-group")[0]);
        Assert.Single(builder.All("builder-rule"));
        Assert.Single(builder.All("builder-group"));
        Assert.Single(builder.Root.Rules);
        Assert.Equal(5, builder.Changes);
    }

    [Fact]
    public async Task Stop_offering_a_nested_group_at_the_depth_limit()
    {
        await using var builder = new BuilderHarness(maxDepth: 2);

        await BuilderHarness.PressAsync(builder.All("add-group")[0]);

        var disabledIn = builder.All("add-group").ToDictionary(
            button => button.Closest("[data-testid='builder-group']")!.GetAttribute("data-path")!, button => button.HasAttribute("disabled"));
        Assert.Equal(new Dictionary<string, bool> { [""] = false, ["rules[1]"] = true }, disabledIn);
    }

    [Fact]
    public async Task Offer_the_operators_of_the_picked_fields_type()
    {
        await using var builder = new BuilderHarness();

        await builder.PickAsync(builder.Rule(0), "rule-field", "Birthday");
        var dateOperators = await builder.OfferedAsync(builder.Rule(0), "rule-operator");
        await builder.PickAsync(builder.Rule(0), "rule-field", "Tags");
        var tagOperators = await builder.OfferedAsync(builder.Rule(0), "rule-operator");
        await builder.PickAsync(builder.Rule(0), "rule-field", "Member of a segment");
        var membershipOperators = await builder.OfferedAsync(builder.Rule(0), "rule-operator");

        Assert.Equal(RuleOperators.For(RuleOperators.Types.Date).Select(BuilderLabels.Operator), dateOperators);
        Assert.Contains("is in the last … days", dateOperators);
        Assert.DoesNotContain("contains", dateOperators);
        Assert.Equal(["contains", "does not contain", "contains any of", "contains all of", "is empty", "is not empty"], tagOperators);
        Assert.Equal(["is a member of", "is not a member of"], membershipOperators);
    }

    [Fact]
    public async Task Group_the_field_picker_by_kind()
    {
        await using var builder = new BuilderHarness();

        var offered = await builder.OfferedAsync(builder.Rule(0), "rule-field");

        string[] expected = ["Contact fields", "Email", "Custom fields", "Lifetime value", "Plan", "Events", "email_opened", "purchase", "Segments", "Member of a segment"];
        Assert.Equal(expected, offered.Where(expected.Contains));
        Assert.Equal(expected.Length + FieldCatalog.BuiltIns.Count - 1, offered.Count);
    }

    [Fact]
    public async Task Produce_the_rule_tree_it_shows()
    {
        await using var builder = new BuilderHarness();

        await builder.PickAsync(builder.Rule(0), "rule-field", "Country");
        await BuilderHarness.TypeAsync(builder.Rule(0), "rule-value", "USA");
        await BuilderHarness.PressAsync(builder.All("add-group")[^1]);
        await BuilderHarness.ClickAsync(builder.Group(1), "group-logic", "OR");
        await builder.PickAsync(builder.Rule(1), "rule-field", "purchase");
        await builder.PickAsync(builder.Rule(1), "rule-aggregate", "Total");
        await BuilderHarness.TypeAsync(builder.Rule(1), "rule-property", "amount");
        await BuilderHarness.TypeAsync(builder.Rule(1), "rule-value", "100");
        await BuilderHarness.TypeAsync(builder.Rule(1), "rule-within-days", "30");
        await BuilderHarness.PressAsync(builder.All("add-rule", builder.Group(1))[0]);
        await builder.PickAsync(builder.Rule(2), "rule-field", "Member of a segment");
        await builder.PickAsync(builder.Rule(2), "rule-value", "Newsletter (120)");
        await BuilderHarness.TypeAsync(builder.Rule(2), "rule-entered-within-days", "7");
        await BuilderHarness.PressAsync(builder.All("add-rule")[^1]);
        await builder.PickAsync(builder.Rule(3), "rule-field", "Plan");
        await builder.PickAsync(builder.Rule(3), "rule-operator", "is any of");
        await builder.PickAsync(builder.Rule(3), "rule-value", "Pro");

        Assert.Equal(
            RuleJson.Serialize(RuleJson.ParseDefinition($$"""
                {"logic":"and","rules":[
                  {"field":"country","operator":"equals","value":"USA"},
                  {"logic":"or","rules":[
                    {"event":"purchase","aggregate":"sum","property":"amount","within_days":30,"operator":"greater_than_or_equal","value":100},
                    {"segment":"{{BuilderHarness.NewsletterId}}","operator":"in","entered_within_days":7}]},
                  {"field":"plan_type","operator":"in","value":["Pro"]}]}
                """)),
            RuleJson.Serialize(builder.Root.ToRule()));
    }

    [Fact]
    public async Task Show_each_validation_message_beside_the_rule_or_group_it_names()
    {
        var root = BuilderGroup.From(RuleJson.ParseDefinition("""
            {"logic":"and","rules":[
              {"field":"country","operator":"equals","value":"USA"},
              {"logic":"or","rules":[{"field":"lifetime_value","operator":"greater_than","value":"lots"}]}]}
            """), BuilderHarness.Tenant);
        await using var builder = new BuilderHarness(root, configure: (state, tree) =>
        {
            state.ShowAllErrors = true;
            state.SetErrors(tree, [("rules[1].rules[0].value", "Lifetime value needs a number."), ("rules", "A segment has at most 20 conditions.")]);
        });

        var messages = builder.All("validation-message");

        Assert.Equal(2, messages.Count);
        Assert.Equal("Lifetime value needs a number.", messages[0].TextContent);
        Assert.Equal("rules[1].rules[0]", messages[0].Closest("[data-testid='builder-rule']")!.GetAttribute("data-path"));
        Assert.Equal("A segment has at most 20 conditions.", messages[1].TextContent);
        Assert.Null(messages[1].Closest("[data-testid='builder-rule']"));
        Assert.Equal("", messages[1].Closest("[data-testid='builder-group']")!.GetAttribute("data-path"));
        Assert.Empty(builder.All("validation-message", builder.Rule(0)));
    }

    [Fact]
    public async Task Keep_messages_and_counts_with_their_rule_when_a_rule_above_is_removed()
    {
        var root = BuilderGroup.From(RuleJson.ParseDefinition("""
            {"logic":"and","rules":[
              {"field":"country","operator":"equals","value":"USA"},
              {"field":"lifetime_value","operator":"greater_than","value":"lots"}]}
            """), BuilderHarness.Tenant);
        await using var builder = new BuilderHarness(root, configure: (state, tree) =>
        {
            state.ShowAllErrors = true;
            state.SetErrors(tree, [("rules[1].value", "Lifetime value needs a number.")]);
            state.SetCounts(new Dictionary<int, int> { [tree.Rules[0].Key] = 42 });
        });

        await BuilderHarness.PressAsync(builder.All("remove-rule")[0]);

        var remaining = Assert.Single(builder.All("builder-rule"));
        Assert.Equal("Lifetime value needs a number.", Assert.Single(builder.All("validation-message", remaining)).TextContent);
        Assert.Empty(builder.All("rule-count"));
    }

    [Fact]
    public async Task Hold_back_a_new_rules_messages_until_it_is_edited_or_a_save_was_tried()
    {
        await using var builder = new BuilderHarness(configure: (state, tree) => state.SetErrors(tree, [("rules[0].value", "Enter a value.")]));
        await builder.PickAsync(builder.Rule(0), "rule-field", "Country");

        Assert.Empty(builder.All("validation-message"));

        await BuilderHarness.TypeAsync(builder.Rule(0), "rule-value", "x");

        Assert.Equal("Enter a value.", Assert.Single(builder.All("validation-message")).TextContent);
    }
}
