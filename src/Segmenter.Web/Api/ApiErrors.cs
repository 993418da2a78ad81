using System.Text.Json;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Segmenter.Core;
using Segmenter.Core.Rules;

namespace Segmenter.Web.Api;

/// <summary>
/// The one place API errors become RFC 7807 documents: invalid input is a 400 whose <c>errors</c> are keyed by
/// JSON path, a missing (or other tenant's) id a 404, a state conflict a 409, an oversized body a 413.
/// </summary>
internal sealed class ApiErrors : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception error) when (ToResult(error) is { } result)
        {
            return result;
        }
    }

    public static IResult? ToResult(Exception error) => error switch
    {
        ValidationException invalid => Invalid(invalid.Errors.GroupBy(e => e.PropertyName)
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray())),
        RuleJsonException json => Invalid(new() { [json.Path ?? ""] = [json.Message] }),
        JsonException json => Invalid(new() { [JsonPath(json.Path)] = [Describe(json)] }),
        NotFoundException missing => TypedResults.Problem(missing.Message, statusCode: StatusCodes.Status404NotFound),
        ConflictException conflict => TypedResults.Problem(conflict.Message, statusCode: StatusCodes.Status409Conflict),
        QueryTimeoutException timeout => TypedResults.Problem(timeout.Message, statusCode: StatusCodes.Status503ServiceUnavailable),
        PostgresException { SqlState: [ '2', '2', ..] } data =>
            TypedResults.Problem($"A value cannot be stored: {data.MessageText}", statusCode: StatusCodes.Status400BadRequest),
        InvalidOperationException text when text.TargetSite?.DeclaringType?.Namespace == "System.Text.Json" =>
            TypedResults.Problem($"The body holds text that is not valid: {text.Message}", statusCode: StatusCodes.Status400BadRequest),
        DbUpdateException { InnerException: PostgresException { SqlState: [ '2', '2', ..] } data } =>
            TypedResults.Problem($"A value cannot be stored: {data.MessageText}", statusCode: StatusCodes.Status400BadRequest),
        DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } =>
            TypedResults.Problem("It exists already.", statusCode: StatusCodes.Status409Conflict),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            TypedResults.Problem("The body is larger than this server accepts.", statusCode: StatusCodes.Status413PayloadTooLarge),
        BadHttpRequestException bad => TypedResults.Problem(bad.Message, statusCode: bad.StatusCode),
        _ => null,
    };

    private static ValidationProblem Invalid(Dictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors);

    /// <summary>System.Text.Json's <c>$.contacts[3].email</c> as the contract's <c>contacts[3].email</c>.</summary>
    private static string JsonPath(string? path) => path is null or "$" ? "" : path.TrimStart('$').TrimStart('.');

    private static string Describe(JsonException json) => json.Message.Contains("could not be mapped", StringComparison.Ordinal)
        ? "This property is not part of the request."
        : "The body is not valid JSON here: " + json.Message.Split(" Path:", 2)[0];
}
