using System.Globalization;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Segments;

namespace Segmenter.Web.Exports;

/// <summary>
/// Contacts as a CSV download, read a page at a time (by id, after the last of the previous page) and written
/// straight to the response, so any number streams in constant memory.
/// </summary>
internal static class ContactsCsv
{
    public const int PageSize = 5000;

    private static readonly string[] Columns =
        ["id", "email", "first_name", "last_name", "phone", "status", "country", "city", "time_zone", "birthday", "subscribed_at", "created_at", "tags", "attributes"];

    /// <param name="name">The download's file name, without extension; characters a file name cannot hold become dashes.</param>
    /// <param name="nextPage">The next <see cref="PageSize"/> contacts in id order after the given id (null: from the start).</param>
    /// <param name="cancellationToken">Stops the export when the client goes away.</param>
    public static PushStreamHttpResult Stream(string name, Func<Guid?, CancellationToken, Task<IReadOnlyList<Contact>>> nextPage, CancellationToken cancellationToken) =>
        TypedResults.Stream(
            async body =>
            {
                await using var writer = new StreamWriter(body, leaveOpen: true);
                await using var csv = CsvWriter.Create(writer, null, leaveOpen: true);
                foreach (var header in Columns)
                {
                    csv.WriteField(header);
                }

                await csv.EndRecordAsync(cancellationToken);
                Guid? after = null;
                while (true)
                {
                    var contacts = await nextPage(after, cancellationToken);
                    foreach (var contact in contacts)
                    {
                        foreach (var value in Row(contact))
                        {
                            csv.WriteField(value ?? "");
                        }

                        await csv.EndRecordAsync(cancellationToken);
                    }

                    if (contacts.Count < PageSize)
                    {
                        break;
                    }

                    after = contacts[^1].Id;
                }
            },
            "text/csv",
            $"{FileName(name)}.csv");

    /// <summary>A live segment's members; throws <see cref="Core.NotFoundException"/> for a segment the tenant does not have.</summary>
    public static async Task<PushStreamHttpResult> SegmentAsync(Guid segmentId, SegmenterDbContext db, SegmentMembers members, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        return Stream(segment.Name, async (after, ct) => (await members.PageAsync(segmentId, after, PageSize, ct)).Items, cancellationToken);
    }

    private static string?[] Row(Contact c) =>
    [
        c.Id.ToString(), c.Email, c.FirstName, c.LastName, c.Phone, c.Status, c.Country, c.City, c.TimeZone,
        c.Birthday?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), c.SubscribedAt?.ToString("O", CultureInfo.InvariantCulture),
        c.CreatedAt.ToString("O", CultureInfo.InvariantCulture), string.Join(";", c.Tags), c.Attributes.RootElement.GetRawText(),
    ];

    private static string FileName(string name) =>
        new(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' ? ch : '-').ToArray());
}
