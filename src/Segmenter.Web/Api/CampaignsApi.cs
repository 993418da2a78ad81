using Microsoft.AspNetCore.Http.HttpResults;
using Segmenter.Core.Campaigns;

namespace Segmenter.Web.Api;

/// <summary><c>/api/v1/campaigns</c>: audiences built from segments (include / exclude), counted live, frozen by a lock.</summary>
internal static class CampaignsApi
{
    public sealed record AudienceBody(List<Guid>? Include, List<Guid>? Exclude, bool? SubscribedOnly)
    {
        public AudienceRequest ToRequest() => new(Include, Exclude, SubscribedOnly ?? true);
    }

    public sealed record CampaignBody(string? Name, AudienceBody? Audience);

    public sealed record AudienceResponse(IReadOnlyList<Guid> Include, IReadOnlyList<Guid> Exclude, bool SubscribedOnly);

    public sealed record CampaignResponse(Guid Id, string Name, string Status, AudienceResponse Audience, int RecipientCount, DateTimeOffset? LockedAt, DateTimeOffset CreatedAt);

    public sealed record CountResponse(int Count);

    public static RouteGroupBuilder MapCampaignsApi(this RouteGroupBuilder api)
    {
        var campaigns = api.MapGroup("/campaigns").WithTags("Campaigns");
        campaigns.MapPost("/", Create).Accepts<CampaignBody>("application/json");
        campaigns.MapGet("/{id:guid}", Get);
        campaigns.MapPost("/audience/count", Count).Accepts<AudienceBody>("application/json");
        campaigns.MapGet("/{id:guid}/recipients", Recipients);
        campaigns.MapPost("/{id:guid}/lock", Lock);
        return api;
    }

    private static async Task<Created<CampaignResponse>> Create(HttpRequest request, Audiences audiences, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadAsync<CampaignBody>(request, cancellationToken);
        var campaign = await audiences.CreateAsync(new CreateCampaignRequest(body.Name, body.Audience?.ToRequest()), cancellationToken);
        return TypedResults.Created($"/api/v1/campaigns/{campaign.Id}", await ResponseAsync(campaign, audiences, cancellationToken));
    }

    private static async Task<Ok<CampaignResponse>> Get(Guid id, Audiences audiences, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ResponseAsync(await audiences.GetAsync(id, cancellationToken), audiences, cancellationToken));

    private static async Task<Ok<CountResponse>> Count(HttpRequest request, Audiences audiences, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadAsync<AudienceBody>(request, cancellationToken);
        return TypedResults.Ok(new CountResponse(await audiences.CountAsync(body.ToRequest(), "", cancellationToken)));
    }

    private static async Task<Ok<ApiPage<ContactResponse>>> Recipients(Guid id, Audiences audiences, int? limit, Guid? after, CancellationToken cancellationToken)
    {
        var (items, next) = await audiences.RecipientsAsync(id, after, Paging.Limit(limit), cancellationToken);
        return TypedResults.Ok(new ApiPage<ContactResponse>(items.Select(ContactResponse.From).ToList(), next?.ToString()));
    }

    private static async Task<Ok<CampaignResponse>> Lock(Guid id, Audiences audiences, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ResponseAsync(await audiences.LockAsync(id, cancellationToken), audiences, cancellationToken));

    private static async Task<CampaignResponse> ResponseAsync(Campaign c, Audiences audiences, CancellationToken cancellationToken) => new(
        c.Id, c.Name, c.Status, new AudienceResponse(c.IncludeSegmentIds, c.ExcludeSegmentIds, c.SubscribedOnly),
        await audiences.RecipientCountAsync(c, cancellationToken), c.LockedAt, c.CreatedAt);
}
