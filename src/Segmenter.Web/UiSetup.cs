using MudBlazor.Services;
using Segmenter.Web.Account;
using Segmenter.Web.Api;
using Segmenter.Web.Health;
using Segmenter.Web.Security;

namespace Segmenter.Web;

internal static class UiSetup
{
    public static WebApplicationBuilder AddSegmenterUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<TenantScopes>();
        builder.AddSegmenterAccounts();
        builder.AddSegmenterHealth();
        return builder;
    }

    public static WebApplication UseSegmenterPipeline(this WebApplication app)
    {
        app.UseSecurityHeaders();

        // The API answers every error with a problem document; pages answer with pages.
        app.UseWhen(http => http.IsApi(), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
            api.UseApiBodyLimit(app.Configuration);
        });
        app.UseWhen(http => !http.IsApi(), ui =>
        {
            if (!app.Environment.IsDevelopment())
            {
                ui.UseExceptionHandler("/Error", createScopeForErrors: true);
                ui.UseHsts();
            }

            ui.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        });
        // After the status code pages, so that a 401 or 403 of the API gets its problem document.
        app.UseAuthentication();
        app.UseWhen(http => !http.IsApi(), ui => ui.UseSignedInTenant());
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.MapStaticAssets();
        return app;
    }
}
