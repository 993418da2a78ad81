using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Web.Exports;

namespace Segmenter.Web.Api;

/// <summary><c>/api/v1/segments</c>: segments, their members, and the questions asked of them (DESIGN section 5).</summary>
internal static class SegmentsApi
{
    public sealed record SegmentResponse(
        Guid Id,
        string Name,
        string? Description,
        string Type,
        JsonElement? Definition,
        int MemberCount,
        DateTimeOffset? LastEvaluatedAt,
        int? LastEvaluationMs,
        string? LastError,
        DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt)
    {
        public static SegmentResponse From(Segment s) => new(
            s.Id, s.Name, s.Description, s.Type, Written(s.Definition), s.MemberCount,
            s.LastEvaluatedAt, s.LastEvaluationMs, s.LastError, s.CreatedAt, s.UpdatedAt);

        /// <summary>The definition as the rule language writes it (jsonb keeps keys in its own order), or as stored if it no longer parses.</summary>
        private static JsonElement? Written(JsonDocument? definition)
        {
            if (definition is null)
            {
                return null;
            }

            try
            {
                return JsonSerializer.Deserialize<JsonElement>(RuleJson.Serialize(RuleJson.ReadDefinition(definition.RootElement)));
            }
            catch (RuleJsonException)
            {
                return definition.RootElement.Clone();
            }
        }
    }

    public sealed record CreateSegmentBody(string? Name, string? Description, string? Type, JsonElement? Definition, List<Guid>? ContactIds);

    public sealed record UpdateSegmentBody(string? Name, string? Description, JsonElement? Definition);

    public sealed record PreviewBody(JsonElement? Definition, int? SampleSize);

    public sealed record PreviewResponse(int Count, IReadOnlyList<ContactResponse> Sample);

    public sealed record ContactIdsBody(List<Guid>? ContactIds);

    public sealed record MemberCountResponse(int MemberCount);

    public sealed record FreezeBody(string? Name);

    public sealed record HistoryResponse(IReadOnlyList<SizePoint> Items);

    public sealed record OverlapResponse(Dictionary<string, int> Counts, int Both);

    public static RouteGroupBuilder MapSegmentsApi(this RouteGroupBuilder api)
    {
        var segments = api.MapGroup("/segments").WithTags("Segments");
        segments.MapGet("/", List);
        segments.MapGet("/{id:guid}", Get);
        segments.MapGet("/{id:guid}/contacts", Members);
        segments.MapGet("/{id:guid}/contacts.csv", Export);
        segments.MapGet("/{id:guid}/history", History);
        segments.MapGet("/{id:guid}/explain/{contactId:guid}", Explain);
        segments.MapGet("/overlap", GetOverlap);

        var changes = segments.MapGroup("/").RequireAuthorization(ApiSetup.MarketerPolicy);
        changes.MapPost("/", Create).Accepts<CreateSegmentBody>("application/json");
        changes.MapPost("/preview", Preview).Accepts<PreviewBody>("application/json");
        changes.MapPut("/{id:guid}", Update).Accepts<UpdateSegmentBody>("application/json");
        changes.MapDelete("/{id:guid}", Delete);
        changes.MapPost("/{id:guid}/restore", Restore);
        changes.MapPost("/{id:guid}/duplicate", Duplicate);
        changes.MapPost("/{id:guid}/refresh", Refresh);
        changes.MapPost("/{id:guid}/contacts", AddMembers).Accepts<ContactIdsBody>("application/json");
        changes.MapPost("/{id:guid}/contacts/remove", RemoveMembers).Accepts<ContactIdsBody>("application/json");
        changes.MapPost("/{id:guid}/freeze", Freeze).Accepts<FreezeBody>("application/json");
        return api;
    }

    private static async Task<Ok<ApiPage<SegmentResponse>>> List(
        SegmenterDbContext db, string? type, string? q, int? limit, Guid? after, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var query = db.Segments.AsNoTracking().Live();
        if (type is not null)
        {
            query = SegmentType.All.Contains(type) ? query.Where(s => s.Type == type) : throw Paging.Invalid("type", $"Type must be one of: {string.Join(", ", SegmentType.All)}.");
        }

        if (!string.IsNullOrWhiteSpace(q))
        {
            var pattern = LikePatterns.Containing(q.Trim());
            query = query.Where(s => EF.Functions.ILike(s.Name, pattern, LikePatterns.EscapeCharacter));
        }

        if (after is { } cursor)
        {
            query = query.Where(s => s.Id.CompareTo(cursor) > 0);
        }

        var items = await query.OrderBy(s => s.Id).Take(size + 1).ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.Page(items, size, s => s.Id, SegmentResponse.From));
    }

    private static async Task<Ok<SegmentResponse>> Get(Guid id, SegmenterDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(SegmentResponse.From(await db.Segments.AsNoTracking().LiveAsync(id, cancellationToken)));

    private static async Task<Created<SegmentResponse>> Create(
        HttpRequest request, CreateSegment create, CancellationToken cancellationToken)
    {
        using var body = await ApiJson.ReadDocumentAsync(request, cancellationToken);
        CreateSegmentRequest command;
        if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("conditions", out _))
        {
            var shorthand = RuleJson.ReadShorthand(body.RootElement);
            command = new CreateSegmentRequest(shorthand.Name ?? "", shorthand.Description, SegmentType.Dynamic, shorthand.Definition);
        }
        else
        {
            var fields = body.RootElement.Deserialize<CreateSegmentBody>(ApiJson.Options) ?? throw EmptyBody();
            command = new CreateSegmentRequest(
                fields.Name ?? "", fields.Description, fields.Type ?? "", Definition(fields.Definition), fields.ContactIds);
        }

        var segment = await create.HandleAsync(command, null, cancellationToken);
        return TypedResults.Created($"/api/v1/segments/{segment.Id}", SegmentResponse.From(segment));
    }

    private static async Task<Ok<SegmentResponse>> Update(Guid id, HttpRequest request, UpdateSegment update, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadAsync<UpdateSegmentBody>(request, cancellationToken);
        var segment = await update.HandleAsync(id, new UpdateSegmentRequest(body.Name, body.Description, Definition(body.Definition)), cancellationToken);
        return TypedResults.Ok(SegmentResponse.From(segment));
    }

    private static async Task<NoContent> Delete(Guid id, DeleteSegment delete, CancellationToken cancellationToken)
    {
        await delete.HandleAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<SegmentResponse>> Restore(Guid id, DeleteSegment delete, CancellationToken cancellationToken) =>
        TypedResults.Ok(SegmentResponse.From(await delete.RestoreAsync(id, cancellationToken)));

    private static async Task<Created<SegmentResponse>> Duplicate(Guid id, DuplicateSegment duplicate, CancellationToken cancellationToken)
    {
        var copy = await duplicate.HandleAsync(id, null, cancellationToken);
        return TypedResults.Created($"/api/v1/segments/{copy.Id}", SegmentResponse.From(copy));
    }

    private static async Task<Ok<PreviewResponse>> Preview(HttpRequest request, [FromKeyedServices(DatabaseRoute.TenantReplica)] RuleQueries queries, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadAsync<PreviewBody>(request, cancellationToken);
        var definition = Definition(body.Definition) ?? throw Paging.Invalid("definition", "A definition is required.");
        var sampleSize = body.SampleSize ?? 10;
        if (sampleSize is < 0 or > 100)
        {
            throw Paging.Invalid("sample_size", "The sample size is 0 to 100.");
        }

        var count = await queries.CountAsync(definition, cancellationToken);
        var sample = sampleSize == 0 ? [] : (await queries.PageAsync(definition, null, sampleSize, cancellationToken)).Items;
        return TypedResults.Ok(new PreviewResponse(count, sample.Select(ContactResponse.From).ToList()));
    }

    private static async Task<Ok<RefreshResult>> Refresh(Guid id, RefreshByHand refresh, CancellationToken cancellationToken) =>
        TypedResults.Ok(await refresh.HandleAsync(id, cancellationToken));

    private static async Task<Ok<ApiPage<ContactResponse>>> Members(
        Guid id, [FromKeyedServices(DatabaseRoute.TenantReplica)] SegmentMembers members, int? limit, Guid? after, CancellationToken cancellationToken)
    {
        var page = await members.PageAsync(id, after, Paging.Limit(limit), cancellationToken);
        return TypedResults.Ok(new ApiPage<ContactResponse>([.. page.Items.Select(ContactResponse.From)], page.Next?.ToString()));
    }

    /// <summary>Every member as a CSV row (<see cref="ContactsCsv"/>).</summary>
    private static async Task<PushStreamHttpResult> Export(
        Guid id, [FromKeyedServices(DatabaseRoute.TenantReplica)] SegmenterDbContext db, [FromKeyedServices(DatabaseRoute.TenantReplica)] SegmentMembers members, CancellationToken cancellationToken) =>
        await ContactsCsv.SegmentAsync(id, db, members, cancellationToken);

    private static async Task<Ok<HistoryResponse>> History(Guid id, MembershipStats stats, DateTimeOffset? since, CancellationToken cancellationToken) =>
        TypedResults.Ok(new HistoryResponse(await stats.HistoryAsync(id, since ?? DateTimeOffset.UnixEpoch, cancellationToken)));

    private static async Task<Ok<JsonObject>> Explain(Guid id, Guid contactId, SegmentMembers members, CancellationToken cancellationToken)
    {
        var explanation = await members.ExplainAsync(id, contactId, cancellationToken);
        var tree = ExplainJson(explanation.Tree);
        tree["member"] = explanation.IsMember;
        return TypedResults.Ok(tree);
    }

    private static async Task<Ok<OverlapResponse>> GetOverlap(string? ids, MembershipStats stats, CancellationToken cancellationToken)
    {
        var parsed = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).ToList();
        if (parsed.Count != 2 || parsed.Contains(Guid.Empty) || parsed[0] == parsed[1])
        {
            throw Paging.Invalid("ids", "Give two different segment ids: ids=a,b.");
        }

        var overlap = await stats.OverlapAsync(parsed[0], parsed[1], cancellationToken);
        return TypedResults.Ok(new OverlapResponse(
            new Dictionary<string, int> { [overlap.First.ToString()] = overlap.FirstCount, [overlap.Second.ToString()] = overlap.SecondCount },
            overlap.Both));
    }

    private static async Task<Ok<MemberCountResponse>> AddMembers(Guid id, HttpRequest request, ListMembers lists, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MemberCountResponse(await lists.AddByHandAsync(id, await ContactIdsAsync(request, cancellationToken), cancellationToken)));

    private static async Task<Ok<MemberCountResponse>> RemoveMembers(Guid id, HttpRequest request, ListMembers lists, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MemberCountResponse(await lists.RemoveByHandAsync(id, await ContactIdsAsync(request, cancellationToken), cancellationToken)));

    private static async Task<Created<SegmentResponse>> Freeze(Guid id, HttpRequest request, FreezeSegment freeze, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadAsync<FreezeBody>(request, cancellationToken);
        var frozen = await freeze.HandleAsync(id, body.Name ?? "", null, cancellationToken);
        return TypedResults.Created($"/api/v1/segments/{frozen.Id}", SegmentResponse.From(frozen));
    }

    private static async Task<List<Guid>> ContactIdsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await ApiJson.ReadAsync<ContactIdsBody>(request, cancellationToken);
        return body.ContactIds is { Count: > 0 and <= CreateSegmentValidator.MaxContactIds } ids
            ? ids
            : throw Paging.Invalid("contact_ids", $"Give 1 to {CreateSegmentValidator.MaxContactIds:N0} contact ids.");
    }

    private static RuleGroup? Definition(JsonElement? json) =>
        json is { ValueKind: not JsonValueKind.Null } element ? RuleJson.ReadDefinition(element, "definition") : null;

    /// <summary>A node as its own JSON with <c>matched</c> beside it; a group's <c>rules</c> explained the same way.</summary>
    private static JsonObject ExplainJson(ExplainedNode node)
    {
        var json = JsonNode.Parse(RuleJson.Serialize(node.Node))!.AsObject();
        json["matched"] = node.Matched;
        if (node.Node is RuleGroup)
        {
            json["rules"] = new JsonArray(node.Children.Select(child => (JsonNode)ExplainJson(child)).ToArray());
        }

        return json;
    }

    private static JsonException EmptyBody() => new("The body is empty or null.", "$", null, null);
}
