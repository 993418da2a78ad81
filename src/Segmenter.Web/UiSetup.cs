using MudBlazor.Services;
using Segmenter.Web.Health;

namespace Segmenter.Web;

internal static class UiSetup
{
    public static WebApplicationBuilder AddSegmenterUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.AddSegmenterHealth();
        return builder;
    }

    public static WebApplication UseSegmenterPipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }

        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        return app;
    }
}
