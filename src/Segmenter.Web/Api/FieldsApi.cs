using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Fields;
using Segmenter.Core.Rules;

namespace Segmenter.Web.Api;

/// <summary><c>/api/v1/fields</c>: the built-in and custom contact fields.</summary>
internal static class FieldsApi
{
    public sealed record FieldResponse(string Key, string Label, string Type, IReadOnlyList<string> Options, bool BuiltIn);

    public static RouteGroupBuilder MapFieldsApi(this RouteGroupBuilder api)
    {
        var fields = api.MapGroup("/fields").WithTags("Fields");
        fields.MapGet("/", ListFields);
        fields.MapPost("/", CreateField).Accepts<CreateFieldRequest>("application/json").RequireAuthorization(ApiSetup.AdminPolicy);
        return api;
    }

    private static async Task<Ok<ApiPage<FieldResponse>>> ListFields(SegmenterDbContext db, CancellationToken cancellationToken)
    {
        var catalog = new FieldCatalog(await db.FieldDefinitions.AsNoTracking().ToListAsync(cancellationToken));
        return TypedResults.Ok(new ApiPage<FieldResponse>(
            catalog.Fields.Select(f => new FieldResponse(f.Key, f.Label, f.Type, f.Options, f.BuiltIn)).ToList(), null));
    }

    private static async Task<Created<FieldResponse>> CreateField(HttpRequest request, CreateField create, CancellationToken cancellationToken)
    {
        var field = await create.HandleAsync(await ApiJson.ReadAsync<CreateFieldRequest>(request, cancellationToken), cancellationToken);
        return TypedResults.Created($"/api/v1/fields/{field.Key}", new FieldResponse(field.Key, field.Label, field.Type, field.Options, false));
    }
}
