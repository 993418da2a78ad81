using Segmenter.Web;
using Segmenter.Web.Account;
using Segmenter.Web.Api;
using Segmenter.Web.Components;
using Segmenter.Web.Data;
using Segmenter.Web.Exports;
using Segmenter.Web.Health;
using Segmenter.Web.Jobs;

var migrateOnly = args.Contains(DatabaseStartup.MigrateOnlySwitch);
var builder = WebApplication.CreateBuilder(args.Where(a => a != DatabaseStartup.MigrateOnlySwitch).ToArray());
builder.AddSegmenterData();
builder.AddSegmenterJobs();
builder.AddSegmenterUi();
builder.AddSegmenterApi();

var app = builder.Build();
if (migrateOnly)
{
    await app.MigrateDatabaseAsync();
    return;
}

await app.PrepareDatabaseAsync();
app.ScheduleSegmenterSweep();

app.UseSegmenterPipeline();
app.MapSegmenterHealth();
app.MapAccountEndpoints();
app.MapSegmenterJobsDashboard();
app.MapSegmenterApi();
app.MapSegmenterExports();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunAsync();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public sealed partial class Program;
