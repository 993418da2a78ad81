using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.Core.Rules;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>What an upsert did: how many contacts were created and updated, and each one's id in input order.</summary>
public sealed record UpsertResult(int Created, int Updated, IReadOnlyList<Guid> Ids);

/// <summary>
/// Creates or updates contacts by case-insensitive email, all or nothing. The batch is checked whole first
/// (every bad item named by its path); then it is copied into a temporary table by binary COPY and merged
/// by one statement: present fields overwrite, attributes merge key by key and a null removes one. The
/// contacts written then go to the real-time membership path.
/// </summary>
public sealed class UpsertContacts(SegmenterDbContext db, ITenantContext tenant, RuleQueries rules, RealtimeMembership realtime, TimeProvider clock)
{
    public const int MaxBatch = 10_000;

    /// <summary>Reads and checks <c>{"contacts": [...]}</c>; throws <see cref="ValidationException"/> naming every bad item.</summary>
    public async Task<IReadOnlyList<ContactInput>> ReadAsync(JsonElement body, CancellationToken cancellationToken)
    {
        var items = BatchBody.Items(body, "contacts", MaxBatch);

        var catalog = (await rules.EnvironmentAsync(cancellationToken)).Catalog;
        var failures = new List<ValidationFailure>();
        var inputs = new List<ContactInput>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            var path = $"contacts[{index}]";
            if (ContactInput.Read(item, path, catalog, failures) is { } input)
            {
                if (seen.TryGetValue(input.EmailKey, out var first))
                {
                    failures.Add(new ValidationFailure($"{path}.email", $"The same email as contacts[{first}]; give each contact once per batch."));
                }

                seen.TryAdd(input.EmailKey, index);
                inputs.Add(input);
            }

            index++;
        }

        return failures.Count == 0 ? inputs : throw new ValidationException(failures);
    }

    public async Task<UpsertResult> HandleAsync(IReadOnlyList<ContactInput> contacts, CancellationToken cancellationToken)
    {
        var tenantId = tenant.TenantId ?? throw new InvalidOperationException("Writing contacts needs a current tenant.");
        var now = clock.GetUtcNow();
        var rows = new List<(int Ord, Guid Id, bool Created)>(contacts.Count);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.ExecuteSqlRawAsync(
                """
                CREATE TEMP TABLE contact_batch (
                    ord int, id uuid, email text, present int, first_name text, last_name text, phone text, status text,
                    country text, city text, time_zone text, birthday date, subscribed_at timestamptz, created_at timestamptz,
                    tags text[], set_attributes jsonb, remove_attributes text[], PRIMARY KEY (id)) ON COMMIT DROP
                """,
                cancellationToken);
            await CopyAsync(connection, contacts, cancellationToken);

            await using var merge = new NpgsqlCommand(MergeSql, connection, (NpgsqlTransaction)transaction.GetDbTransaction());
            merge.Parameters.Add(new NpgsqlParameter("tenant", tenantId));
            merge.Parameters.Add(new NpgsqlParameter("now", now));
            await using (var reader = await merge.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((reader.GetInt32(0), reader.GetGuid(1), reader.GetBoolean(2)));
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var ids = rows.OrderBy(r => r.Ord).Select(r => r.Id).ToList();
        realtime.ContactsChanged(tenantId, ids);
        return new UpsertResult(rows.Count(r => r.Created), rows.Count(r => !r.Created), ids);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, IReadOnlyList<ContactInput> contacts, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY contact_batch (ord, id, email, present, first_name, last_name, phone, status, country, city, time_zone, " +
            "birthday, subscribed_at, created_at, tags, set_attributes, remove_attributes) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        WriteRows(copy, contacts);
        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Synchronous on purpose: the importer buffers rows and only touches the socket when its buffer fills,
    /// and an await per field (17 × 10,000) costs more than the copy itself.
    /// </summary>
    private static void WriteRows(NpgsqlBinaryImporter copy, IReadOnlyList<ContactInput> contacts)
    {
        for (var i = 0; i < contacts.Count; i++)
        {
            var c = contacts[i];
            copy.StartRow();
            copy.Write(i, NpgsqlDbType.Integer);
            copy.Write(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
            copy.Write(c.Email, NpgsqlDbType.Text);
            copy.Write(c.Present, NpgsqlDbType.Integer);
            foreach (var text in (ReadOnlySpan<string?>)[c.FirstName, c.LastName, c.Phone, c.Status, c.Country, c.City, c.TimeZone])
            {
                WriteOrNull(copy, text, NpgsqlDbType.Text);
            }

            WriteOrNull(copy, c.Birthday, NpgsqlDbType.Date);
            WriteOrNull(copy, c.SubscribedAt, NpgsqlDbType.TimestampTz);
            WriteOrNull(copy, c.CreatedAt, NpgsqlDbType.TimestampTz);
            WriteOrNull(copy, c.Tags?.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            copy.Write(c.SetAttributes, NpgsqlDbType.Jsonb);
            copy.Write(c.RemoveAttributes, NpgsqlDbType.Array | NpgsqlDbType.Text);
        }
    }

    private static void WriteOrNull<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }

    /// <summary>
    /// One pass over the batch in email order: each contact is inserted, or, when its email exists (or is being
    /// inserted by a concurrent batch, which it then waits for), updated in place with the fields it gives.
    /// Taking rows in one order means two batches of a tenant wait for each other instead of deadlocking.
    /// Returns (input position, id, created) for every contact; a row is new when no transaction had it
    /// before (<c>xmax = 0</c>).
    /// </summary>
    private static readonly string MergeSql = $$"""
        WITH written AS (
            INSERT INTO contacts AS c (tenant_id, id, email, first_name, last_name, phone, status, country, city, time_zone,
                                       birthday, subscribed_at, created_at, updated_at, tags, attributes)
            SELECT @tenant, b.id, b.email, b.first_name, b.last_name, b.phone, coalesce(b.status, 'subscribed'), b.country, b.city,
                   b.time_zone, b.birthday, b.subscribed_at, coalesce(b.created_at, @now), @now, coalesce(b.tags, '{}'), b.set_attributes
            FROM contact_batch AS b
            ORDER BY lower(b.email)
            ON CONFLICT (tenant_id, email_normalized) DO UPDATE SET ({{string.Join(", ", ContactInput.Fields)}}, attributes, updated_at) = (
                SELECT {{string.Join(",\n               ", ContactInput.Fields.Select((f, bit) =>
                    $"CASE WHEN b.present & {1 << bit} <> 0 THEN {(f == "tags" ? "coalesce(b.tags, '{}')" : $"b.{f}")} ELSE c.{f} END"))}},
                       (c.attributes || b.set_attributes) - b.remove_attributes,
                       @now
                FROM contact_batch AS b
                WHERE b.id = excluded.id)
            RETURNING c.email_normalized, c.id, c.xmax = 0 AS created)
        SELECT b.ord, w.id, w.created
        FROM written AS w
        JOIN contact_batch AS b ON lower(b.email) = w.email_normalized
        """;
}
