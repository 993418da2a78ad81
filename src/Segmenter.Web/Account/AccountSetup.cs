using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Segmenter.Core.Identity;
using Segmenter.Core.Tenancy;
using Segmenter.Web.Api;

namespace Segmenter.Web.Account;

/// <summary>
/// Sign-in for the UI: ASP.NET Core Identity's cookie, which carries the user and the tenant they act for
/// (<see cref="ApiKeyAuthentication.TenantClaim"/>); the role in that tenant is read on every request
/// (<see cref="TenantRoleClaims"/>) and every minute for an open circuit (<see cref="TenantRevalidation"/>),
/// so a changed or removed membership takes effect at the next page, or within a minute in an open tab.
/// </summary>
internal static class AccountSetup
{
    public const string LoginPath = "/account/login";

    public static WebApplicationBuilder AddSegmenterAccounts(this WebApplicationBuilder builder)
    {
        DatabaseKeyRing.AddTo(builder.Services);
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        new IdentityBuilder(typeof(SegmenterUser), builder.Services).AddSignInManager();
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "segmenter";
            cookie.LoginPath = LoginPath;
            cookie.AccessDeniedPath = "/account/denied";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
        });
        // Identity re-issues the cookie from the database every half hour; the tenant chosen at sign-in stays.
        builder.Services.Configure<SecurityStampValidatorOptions>(stamp => stamp.OnRefreshingPrincipal = context =>
        {
            if (context.CurrentPrincipal?.FindFirst(ApiKeyAuthentication.TenantClaim) is { } tenant)
            {
                context.NewPrincipal?.Identities.First().AddClaim(new Claim(tenant.Type, tenant.Value));
            }

            return Task.CompletedTask;
        });
        builder.Services.AddScoped<IClaimsTransformation, TenantRoleClaims>();
        builder.Services.AddScoped<CircuitHandler, CircuitTenant>();
        builder.Services.AddScoped<AuthenticationStateProvider, TenantRevalidation>();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    /// <summary>A signed-in page request acts for the tenant of its cookie.</summary>
    public static IApplicationBuilder UseSignedInTenant(this IApplicationBuilder ui) => ui.Use(async (http, next) =>
    {
        if (TenantRoleClaims.TenantOf(http.User) is { } tenantId)
        {
            http.RequestServices.GetRequiredService<TenantContext>().Use(tenantId);
        }

        await next(http);
    });

    public static WebApplication MapAccountEndpoints(this WebApplication app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        // The endpoint binds no form field, which is what makes ASP.NET Core enforce the antiforgery token, so it checks it itself.
        account.MapPost("/logout", async (HttpContext http, IAntiforgery antiforgery, SignInManager<SegmenterUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.Text("This sign-out form has expired: reload the page and sign out again.", statusCode: StatusCodes.Status400BadRequest);
            }

            await signIn.SignOutAsync();
            return Results.LocalRedirect(LoginPath);
        });
        account.MapPost("/tenant", SwitchTenantAsync).RequireAuthorization();
        return app;
    }

    /// <summary>Signs the user in again for another of their tenants; the page reloads into it.</summary>
    private static async Task<IResult> SwitchTenantAsync(
        HttpContext http, [FromForm(Name = "tenant_id")] Guid tenantId, SignInManager<SegmenterUser> signIn, TenantMemberships memberships)
    {
        var user = await signIn.UserManager.GetUserAsync(http.User);
        if (user is null || await memberships.FindAsync(user.Id, tenantId, http.RequestAborted) is null)
        {
            return Results.Forbid();
        }

        var current = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        await signIn.SignInWithClaimsAsync(user, current.Properties?.IsPersistent ?? false, [TenantClaimFor(tenantId)]);
        return Results.LocalRedirect("/");
    }

    public static Claim TenantClaimFor(Guid tenantId) => new(ApiKeyAuthentication.TenantClaim, tenantId.ToString());
}
