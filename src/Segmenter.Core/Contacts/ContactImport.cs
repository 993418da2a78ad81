using System.Text.Json;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>A CSV import of contacts: the file while it waits, then its progress and the report of rejected lines.</summary>
public sealed class ContactImport : ITenantOwned
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static IReadOnlyList<string> Statuses { get; } = [Queued, Running, Succeeded, Failed];

    public required Guid TenantId { get; init; }

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required string FileName { get; init; }

    public string Status { get; set; } = Queued;

    /// <summary>A static segment every accepted contact is added to.</summary>
    public Guid? TargetSegmentId { get; init; }

    /// <summary>The CSV's columns in order, each <c>{"header": …, "field": key or null when ignored}</c>, resolved when the import was accepted.</summary>
    public required JsonDocument Columns { get; init; }

    /// <summary>The file, kept until the import has run.</summary>
    public byte[]? Content { get; set; }

    public int ProcessedRows { get; set; }

    public int Accepted { get; set; }

    public int Rejected { get; set; }

    /// <summary>The first rejected lines with their reasons: <c>[{"line": 3, "errors": {"email": ["…"]}}]</c>.</summary>
    public JsonDocument RejectedRows { get; set; } = JsonDocument.Parse("[]");

    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; set; }
}
