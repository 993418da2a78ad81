using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Web.Api;

/// <summary><c>/api/v1/contacts</c> and <c>/api/v1/events</c>: ingest in atomic batches, and reading contacts.</summary>
internal static class ContactsApi
{
    /// <summary>The documented shape of a batch item; the body itself is read by <see cref="UpsertContacts"/>, which tells a present null from an absent field.</summary>
    public sealed record ContactItem(
        string Email, string? FirstName, string? LastName, string? Phone, string? Status, string? Country, string? City, string? TimeZone,
        DateOnly? Birthday, DateTimeOffset? SubscribedAt, DateTimeOffset? CreatedAt, IReadOnlyList<string>? Tags, Dictionary<string, JsonElement?>? Attributes);

    public sealed record ContactsBatchBody(IReadOnlyList<ContactItem> Contacts);

    public sealed record EventItem(Guid? ContactId, string? Email, string Type, DateTimeOffset OccurredAt, JsonElement? Properties);

    public sealed record EventsBatchBody(IReadOnlyList<EventItem> Events);

    public sealed record UpsertResponse(int Created, int Updated, IReadOnlyList<Guid> Ids);

    public sealed record EventsResponse(int Accepted);

    public sealed record MembershipResponse(Guid SegmentId, string Name, string Type, DateTimeOffset EnteredAt);

    public sealed record ImportResponse(
        Guid Id, string FileName, string Status, Guid? SegmentId, int ProcessedRows, int Accepted, int Rejected,
        JsonElement RejectedRows, IReadOnlyList<string> IgnoredColumns, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt)
    {
        public static ImportResponse From(ContactImport i) => new(
            i.Id, i.FileName, i.Status, i.TargetSegmentId, i.ProcessedRows, i.Accepted, i.Rejected, i.RejectedRows.RootElement.Clone(),
            i.Columns.RootElement.EnumerateArray().Where(c => c.GetProperty("field").ValueKind == JsonValueKind.Null).Select(c => c.GetProperty("header").GetString()!).ToList(),
            i.Error, i.CreatedAt, i.FinishedAt);
    }

    public static RouteGroupBuilder MapContactsApi(this RouteGroupBuilder api)
    {
        var contacts = api.MapGroup("/contacts").WithTags("Contacts").RequireAuthorization(ApiSetup.MarketerPolicy);
        contacts.MapPost("/batch", Upsert).Accepts<ContactsBatchBody>("application/json");
        contacts.MapGet("/", List);
        contacts.MapGet("/{id:guid}", Get);
        contacts.MapDelete("/{id:guid}", Delete);
        contacts.MapGet("/{id:guid}/segments", Segments);
        contacts.MapPost("/import", Import).DisableAntiforgery().Accepts<IFormFile>("multipart/form-data");
        api.MapGroup("/imports").WithTags("Contacts").RequireAuthorization(ApiSetup.MarketerPolicy).MapGet("/{id:guid}", GetImport);

        api.MapGroup("/events").WithTags("Events").RequireAuthorization(ApiSetup.MarketerPolicy)
            .MapPost("/batch", AddEvents).Accepts<EventsBatchBody>("application/json");
        return api;
    }

    private static async Task<Ok<UpsertResponse>> Upsert(HttpRequest request, UpsertContacts upsert, CancellationToken cancellationToken)
    {
        using var body = await ApiJson.ReadDocumentAsync(request, cancellationToken);
        var result = await upsert.HandleAsync(await upsert.ReadAsync(body.RootElement, cancellationToken), cancellationToken);
        return TypedResults.Ok(new UpsertResponse(result.Created, result.Updated, result.Ids));
    }

    /// <summary>
    /// <c>multipart/form-data</c> with <c>file</c> (the CSV), optional <c>segment_id</c> (a static segment to add
    /// the contacts to) and <c>mapping</c> (JSON: CSV header → field key; an empty key ignores the column). 202 with the import to follow at
    /// <c>/api/v1/imports/{id}</c>.
    /// </summary>
    private static async Task<Accepted<ImportResponse>> Import(HttpRequest request, ImportContacts imports, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            throw Paging.Invalid("file", "Send multipart/form-data with the CSV as 'file'.");
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var file = form.Files.GetFile("file") ?? throw Paging.Invalid("file", "The CSV file is required as 'file'.");
        Guid? segmentId = form.TryGetValue("segment_id", out var segment) && segment.ToString().Length > 0
            ? Guid.TryParse(segment, out var id) ? id : throw Paging.Invalid("segment_id", "A segment id (UUID) is expected.")
            : null;
        Dictionary<string, string>? mapping = null;
        if (form.TryGetValue("mapping", out var json) && json.ToString().Length > 0)
        {
            try
            {
                mapping = JsonSerializer.Deserialize<Dictionary<string, string>>(json.ToString());
            }
            catch (JsonException)
            {
                throw Paging.Invalid("mapping", "The mapping is a JSON object of CSV header → field key.");
            }
        }

        using var content = new MemoryStream();
        await file.CopyToAsync(content, cancellationToken);
        var import = await imports.StartAsync(file.FileName, content.ToArray(), segmentId, mapping, cancellationToken);
        return TypedResults.Accepted($"/api/v1/imports/{import.Id}", ImportResponse.From(import));
    }

    private static async Task<Ok<ImportResponse>> GetImport(Guid id, ImportContacts imports, CancellationToken cancellationToken) =>
        TypedResults.Ok(ImportResponse.From(await imports.GetAsync(id, cancellationToken)));

    private static async Task<Ok<EventsResponse>> AddEvents(HttpRequest request, AddEvents add, CancellationToken cancellationToken)
    {
        using var body = await ApiJson.ReadDocumentAsync(request, cancellationToken);
        return TypedResults.Ok(new EventsResponse(await add.HandleAsync(await add.ReadAsync(body.RootElement, cancellationToken), cancellationToken)));
    }

    /// <summary>All contacts by pages, or the one with an email (case-insensitive) when <paramref name="email"/> is given.</summary>
    private static async Task<Ok<ApiPage<ContactResponse>>> List(
        SegmenterDbContext db, string? email, int? limit, Guid? after, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var query = db.Contacts.AsNoTracking();
        if (email is not null)
        {
            var normalized = email.Trim().ToLowerInvariant();
            query = query.Where(c => c.EmailNormalized == normalized);
        }

        if (after is { } cursor)
        {
            query = query.Where(c => c.Id.CompareTo(cursor) > 0);
        }

        var items = await query.OrderBy(c => c.Id).Take(size + 1).ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.Page(items, size, c => c.Id, ContactResponse.From));
    }

    private static async Task<Ok<ContactResponse>> Get(Guid id, SegmenterDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(ContactResponse.From(await db.Contacts.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken)
            ?? throw new NotFoundException($"There is no contact {id}.")));

    /// <summary>Deletes the contact and its events; it leaves every segment, each exit logged.</summary>
    private static async Task<NoContent> Delete(Guid id, DeleteContact delete, CancellationToken cancellationToken)
    {
        await delete.HandleAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ApiPage<MembershipResponse>>> Segments(Guid id, MembershipStats stats, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ApiPage<MembershipResponse>(
            (await stats.SegmentsOfContactAsync(id, cancellationToken)).Select(m => new MembershipResponse(m.SegmentId, m.Name, m.Type, m.EnteredAt)).ToList(),
            null));
}
