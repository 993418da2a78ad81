using System.Text.Json;
using Segmenter.Core.Contacts;

namespace Segmenter.Web.Api;

/// <summary>A contact as the API shows it.</summary>
internal sealed record ContactResponse(
    Guid Id,
    string Email,
    string? FirstName,
    string? LastName,
    string? Phone,
    string Status,
    string? Country,
    string? City,
    string? TimeZone,
    DateOnly? Birthday,
    DateTimeOffset? SubscribedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Tags,
    JsonElement Attributes)
{
    public static ContactResponse From(Contact c) => new(
        c.Id, c.Email, c.FirstName, c.LastName, c.Phone, c.Status, c.Country, c.City, c.TimeZone, c.Birthday,
        c.SubscribedAt, c.CreatedAt, c.UpdatedAt, c.Tags, c.Attributes.RootElement.Clone());
}
