using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core;
using Segmenter.Core.Demo;
using Segmenter.Core.Rules;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Rules;

public sealed class RuleTemplatesShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private const int Contacts = 1000;

    [Fact]
    public async Task Each_be_valid_for_the_demo_tenant_and_run_on_postgresql()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddSegmenterCore(database.ConnectionString)
            .Configure<DemoOptions>(o => o.Contacts = Contacts)
            .BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(ct);
        var queries = scope.ServiceProvider.GetRequiredService<RuleQueries>();

        var counts = new Dictionary<string, int>();
        foreach (var template in RuleTemplates.All)
        {
            var validation = await queries.ValidateAsync(template.Definition, null, ct);
            Assert.True(validation.IsValid, $"{template.Key}: {validation}");
            counts[template.Key] = await queries.CountAsync(template.Definition, ct);
        }

        Assert.All(counts.Values, count => Assert.InRange(count, 0, Contacts));
        // Segments the demo data always fills, whatever the day: the catalogue is not a list of empty answers.
        foreach (var key in new[] { "company-employees", "birthday-month", "top-tier", "inactive", "active-last-30-days", "high-value-active", "geographic-targeting" })
        {
            Assert.True(counts[key] > 0, $"{key} matched nobody in the demo tenant");
        }

        Assert.True(counts["active-last-30-days"] >= counts["high-value-active"]);
    }

    [Fact]
    public void Include_the_api_example_of_the_guide_in_its_shorthand_form()
    {
        using var example = JsonDocument.Parse("""
            {"name":"High Value Active","conditions":[
              {"field":"lifetime_value","operator":"greater_than","value":500},
              {"field":"last_activity","operator":"within_days","value":30}],"logic":"AND"}
            """);

        var shorthand = RuleJson.ReadShorthand(example.RootElement);

        Assert.Equal(RuleJson.Serialize(RuleTemplates.Find("high-value-active")!.Definition), RuleJson.Serialize(shorthand.Definition));
        Assert.Equal(20, RuleTemplates.All.Select(t => t.Key).Distinct().Count());
    }
}
