using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

[Collection(HangfireTests.Name)]
public sealed class EncodingShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    private const string Hostile = """<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">""";

    [Fact]
    public async Task Show_markup_in_names_and_values_as_text_and_never_run_it()
    {
        var tenant = await host.NewTenantAsync("Encoding shop");
        Guid segment;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant.Id);
            var definition = RuleJson.ParseDefinition($$"""{"logic":"and","rules":[{"field":"city","operator":"equals","value":{{System.Text.Json.JsonSerializer.Serialize(Hostile)}}}]}""");
            segment = (await scope.ServiceProvider.GetRequiredService<CreateSegment>()
                .HandleAsync(new CreateSegmentRequest(Hostile, Hostile, SegmentType.Dynamic, definition), null, TestContext.Current.CancellationToken)).Id;
        }

        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));
        await Expect(page.GetByTestId("segment-row-name")).ToHaveTextAsync(Hostile);
        await page.GotoAsync($"/segments/{segment}");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 })).ToHaveTextAsync(Hostile);
        await Expect(page.GetByTestId("detail-rules")).ToContainTextAsync($"City is {Hostile}");
        await page.GotoAsync($"/segments/{segment}/edit");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByTestId("builder-rule").First.GetByTestId("rule-value")).ToHaveValueAsync(Hostile);

        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
        await page.ScreenshotAsync("encoding-hostile-names");
    }
}
