using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Segmenter.Core.Campaigns;
using Segmenter.Core.Data;
using Segmenter.Core.Segments;

namespace Segmenter.Web.Exports;

/// <summary>Downloads for the signed-in UI (the API has its own under <c>/api/v1</c>, by key).</summary>
internal static class ExportEndpoints
{
    public static WebApplication MapSegmenterExports(this WebApplication app)
    {
        var exports = app.MapGroup("/exports").ExcludeFromDescription().RequireAuthorization(new AuthorizeAttribute { Roles = UiRoles.Everyone });
        exports.MapGet("/campaigns/{id:guid}/recipients.csv", CampaignRecipientsAsync);
        exports.MapGet("/segments/{id:guid}/members.csv", SegmentMembersAsync);
        return app;
    }

    /// <summary>A segment's members now; 404 for another tenant's or a deleted segment.</summary>
    private static async Task<Results<PushStreamHttpResult, NotFound>> SegmentMembersAsync(
        Guid id, [FromKeyedServices(DatabaseRoute.TenantReplica)] SegmenterDbContext db, [FromKeyedServices(DatabaseRoute.TenantReplica)] SegmentMembers members, CancellationToken cancellationToken)
    {
        try
        {
            return await ContactsCsv.SegmentAsync(id, db, members, cancellationToken);
        }
        catch (Core.NotFoundException)
        {
            return TypedResults.NotFound();
        }
    }

    /// <summary>A draft's recipients as its audience is now, a locked campaign's as they were frozen; 404 for another tenant's campaign.</summary>
    private static async Task<Results<PushStreamHttpResult, NotFound>> CampaignRecipientsAsync(Guid id, Audiences audiences, CancellationToken cancellationToken)
    {
        try
        {
            var campaign = await audiences.GetAsync(id, cancellationToken);
            return ContactsCsv.Stream($"{campaign.Name}-recipients", async (after, ct) =>
                (await audiences.RecipientsAsync(id, after, ContactsCsv.PageSize, ct)).Items, cancellationToken);
        }
        catch (Core.NotFoundException)
        {
            return TypedResults.NotFound();
        }
    }
}
