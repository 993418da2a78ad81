using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>One event to record, for a contact given by id or by email.</summary>
public sealed record EventInput(Guid? ContactId, string? Email, string Type, DateTimeOffset OccurredAt, string Properties);

/// <summary>
/// Records engagement events, all or nothing: every item is checked (its contact must exist in the tenant)
/// before one binary COPY writes them; the contacts concerned then go to the real-time membership path.
/// </summary>
public sealed partial class AddEvents(SegmenterDbContext db, ITenantContext tenant, RealtimeMembership realtime)
{
    public const int MaxBatch = 50_000;

    /// <summary>Reads and checks <c>{"events": [...]}</c>; throws <see cref="ValidationException"/> naming every bad item.</summary>
    public async Task<IReadOnlyList<(Guid ContactId, EventInput Event)>> ReadAsync(JsonElement body, CancellationToken cancellationToken)
    {
        var items = BatchBody.Items(body, "events", MaxBatch);

        var failures = new List<ValidationFailure>();
        var inputs = items.EnumerateArray().Select((item, i) => Read(item, $"events[{i}]", failures)).ToList();
        var ids = inputs.Where(e => e?.ContactId is not null).Select(e => e!.ContactId!.Value).Distinct().ToList();
        var emails = inputs.Where(e => e?.Email is not null).Select(e => e!.Email!.ToLowerInvariant()).Distinct().ToList();
        var known = (await db.Contacts.Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet();
        var byEmail = await db.Contacts.Where(c => emails.Contains(c.EmailNormalized))
            .ToDictionaryAsync(c => c.EmailNormalized, c => c.Id, cancellationToken);

        var resolved = new List<(Guid, EventInput)>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i] is not { } input)
            {
                continue;
            }

            Guid? contact = input.ContactId is { } id
                ? known.Contains(id) ? id : null
                : byEmail.TryGetValue(input.Email!.ToLowerInvariant(), out var found) ? found : null;
            if (contact is { } contactId)
            {
                resolved.Add((contactId, input));
            }
            else
            {
                var (key, what) = input.ContactId is null ? ("email", $"no contact with the email {input.Email}") : ("contact_id", $"no contact {input.ContactId}");
                failures.Add(new ValidationFailure($"events[{i}].{key}", $"There is {what}."));
            }
        }

        return failures.Count == 0 ? resolved : throw new ValidationException(failures);
    }

    public async Task<int> HandleAsync(IReadOnlyList<(Guid ContactId, EventInput Event)> events, CancellationToken cancellationToken)
    {
        var tenantId = tenant.TenantId ?? throw new InvalidOperationException("Writing events needs a current tenant.");
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await StagedCopy.CopyAsync(connection, "contact_events", "tenant_id, id, contact_id, type, occurred_at, properties", (copy, _) =>
            {
                WriteRows(copy, tenantId, events);
                return Task.CompletedTask;
            }, cancellationToken);

            await transaction.CommitAsync(cancellationToken);
        }

        realtime.ContactsChanged(tenantId, events.Select(e => e.ContactId));
        return events.Count;
    }

    /// <summary>Synchronous on purpose, as in <see cref="UpsertContacts"/>: the importer buffers, and an await per field costs more than the copy.</summary>
    private static void WriteRows(NpgsqlBinaryImporter copy, Guid tenantId, IReadOnlyList<(Guid ContactId, EventInput Event)> events)
    {
        foreach (var (contactId, e) in events)
        {
            copy.StartRow();
            copy.Write(tenantId, NpgsqlDbType.Uuid);
            copy.Write(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
            copy.Write(contactId, NpgsqlDbType.Uuid);
            copy.Write(e.Type, NpgsqlDbType.Text);
            copy.Write(e.OccurredAt, NpgsqlDbType.TimestampTz);
            copy.Write(e.Properties, NpgsqlDbType.Jsonb);
        }
    }

    private static EventInput? Read(JsonElement item, string path, List<ValidationFailure> failures)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            failures.Add(new ValidationFailure(path, "An event is a JSON object."));
            return null;
        }

        var before = failures.Count;
        Guid? contactId = null;
        string? email = null, type = null, properties = "{}";
        DateTimeOffset occurredAt = default;
        foreach (var property in item.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            var value = property.Value;
            switch (property.Name)
            {
                case "contact_id" when value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var id):
                    contactId = id;
                    break;
                case "contact_id":
                    failures.Add(new ValidationFailure(at, "A contact id (UUID) is expected."));
                    break;
                case "email" when value.ValueKind == JsonValueKind.String && value.GetString()!.Length is > 0 and <= 320:
                    email = value.GetString()!.Trim();
                    break;
                case "email":
                    failures.Add(new ValidationFailure(at, "An email address is expected."));
                    break;
                case "type" when value.ValueKind == JsonValueKind.String && EventType().IsMatch(value.GetString()!):
                    type = value.GetString();
                    break;
                case "type":
                    failures.Add(new ValidationFailure(at, "An event type is 1 to 100 letters, digits, '_', '.', ':' or '-'."));
                    break;
                case "occurred_at" when value.ValueKind == JsonValueKind.String && ContactInput.TryInstant(value.GetString()!, out var instant):
                    occurredAt = instant;
                    break;
                case "occurred_at":
                    failures.Add(new ValidationFailure(at, "An ISO-8601 instant with its offset (\"2026-11-24T09:30:00Z\") is expected."));
                    break;
                case "properties" when value.ValueKind == JsonValueKind.Object:
                    properties = value.GetRawText();
                    break;
                case "properties" when value.ValueKind == JsonValueKind.Null:
                    break;
                case "properties":
                    failures.Add(new ValidationFailure(at, "Properties are a JSON object."));
                    break;
                default:
                    failures.Add(new ValidationFailure(at, "This property is not part of an event."));
                    break;
            }
        }

        if ((contactId is null) == (email is null) && failures.Count == before)
        {
            failures.Add(new ValidationFailure(path, "Give the contact by contact_id or by email, one of the two."));
        }

        if (type is null && !item.TryGetProperty("type", out _))
        {
            failures.Add(new ValidationFailure($"{path}.type", "The event type is required."));
        }

        if (occurredAt == default && !item.TryGetProperty("occurred_at", out _))
        {
            failures.Add(new ValidationFailure($"{path}.occurred_at", "When it occurred is required."));
        }

        return failures.Count == before ? new EventInput(contactId, email, type!, occurredAt, properties) : null;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.:\-]{1,100}$")]
    private static partial Regex EventType();
}
