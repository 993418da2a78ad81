using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using FluentValidation;
using FluentValidation.Results;
using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Data;
using Segmenter.Core.Fields;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>A CSV column as an import would read it: its header, the field it maps to by itself (null: ignored), its first values.</summary>
public sealed record ImportColumn(string Header, string? Field, IReadOnlyList<string> Samples);

/// <summary>What a file would import before it is started: its columns, its number of records after the header, the fields an import can write.</summary>
public sealed record ImportPlan(IReadOnlyList<ImportColumn> Columns, int Rows, IReadOnlyList<RuleField> WritableFields);

/// <summary>
/// CSV imports of contacts. <see cref="StartAsync"/> checks the header (an email column is required; other
/// columns map to built-in or custom fields by key, label or an explicit mapping, the rest are ignored and
/// listed), stores the file and queues <see cref="RunAsync"/>, which upserts the accepted rows in batches
/// (each batch atomic, through <see cref="UpsertContacts"/>), adds them to the target static segment, and
/// records progress and every rejected line with its reasons.
/// </summary>
public sealed class ImportContacts(SegmenterDbContext db, ITenantContext tenant, RuleQueries rules, IBackgroundJobClient jobs)
{
    /// <summary>Rejected lines kept in the report; the count covers them all.</summary>
    public const int ReportedRejections = 1000;

    private const int BatchSize = 5000;

    /// <summary>The columns of a file with the fields they map to by themselves, for the marketer to check before starting.</summary>
    /// <exception cref="ValidationException">The file is not readable CSV.</exception>
    public async Task<ImportPlan> PlanAsync(byte[] content, CancellationToken cancellationToken)
    {
        const int samples = 3;
        var catalog = (await rules.EnvironmentAsync(cancellationToken)).Catalog;
        var headers = await HeadersAsync(content, cancellationToken);
        var values = headers.Select(_ => new List<string>()).ToList();
        var rows = 0;
        try
        {
            await using var csv = CsvReader.Create(new MemoryStream(content), new CsvReaderOptions { TrimWhitespace = true }, leaveOpen: false);
            await csv.ReadHeaderAsync(cancellationToken);
            while (await csv.ReadAsync(cancellationToken))
            {
                for (var i = 0; rows < samples && i < headers.Count && i < csv.FieldCount; i++)
                {
                    values[i].Add(csv.GetStringOrNull(i) ?? "");
                }

                rows++;
            }
        }
        catch (Exception unreadable) when (IsUnreadable(unreadable))
        {
            throw Unreadable(unreadable);
        }

        return new ImportPlan(
            [.. headers.Select((header, i) => new ImportColumn(header, Match(header, catalog) is { } key && IsWritable(key, catalog) ? key : null, values[i]))],
            rows,
            [.. catalog.Fields.Where(f => IsWritable(f.Key, catalog))]);
    }

    /// <param name="fileName">The uploaded file's name, kept for the report.</param>
    /// <param name="content">The whole file.</param>
    /// <param name="segmentId">A static segment every accepted contact is added to.</param>
    /// <param name="mapping">CSV header → field key for the columns not to match by their header; an empty key ignores the column.</param>
    /// <param name="cancellationToken">Cancels the checks and the save.</param>
    public async Task<ContactImport> StartAsync(
        string fileName, byte[] content, Guid? segmentId, IReadOnlyDictionary<string, string>? mapping, CancellationToken cancellationToken)
    {
        var failures = new List<ValidationFailure>();
        if (segmentId is { } id && !await db.Segments.Live().AnyAsync(s => s.Id == id && s.Type == SegmentType.Static, cancellationToken))
        {
            failures.Add(new ValidationFailure("segment_id", $"There is no static segment {id} to add the contacts to."));
        }

        var catalog = (await rules.EnvironmentAsync(cancellationToken)).Catalog;
        var headers = await HeadersAsync(content, cancellationToken);
        // An array in header order: jsonb keeps the order of arrays, not of object keys.
        var columns = new JsonArray();
        foreach (var header in headers)
        {
            var mapped = mapping?.ContainsKey(header) == true;
            var key = mapped ? mapping![header] : Match(header, catalog);
            if (mapped && key is not "" && !IsWritable(key, catalog))
            {
                failures.Add(new ValidationFailure($"mapping.{header}", $"'{key}' is not a contact field that an import can write."));
            }

            columns.Add(new JsonObject { ["header"] = header, ["field"] = IsWritable(key, catalog) ? key : null });
        }

        if (!columns.Any(c => c!["field"]?.GetValue<string>() == "email"))
        {
            failures.Add(new ValidationFailure("file", "The file needs a header row with an email column."));
        }

        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        var import = new ContactImport
        {
            TenantId = tenant.TenantId ?? throw new InvalidOperationException("Importing needs a current tenant."),
            FileName = Path.GetFileName(fileName),
            TargetSegmentId = segmentId,
            Columns = JsonDocument.Parse(columns.ToJsonString()),
            Content = content,
        };
        db.ContactImports.Add(import);
        await db.SaveChangesAsync(cancellationToken);
        jobs.Enqueue<ImportContactsJob>(job => job.RunAsync(import.TenantId, import.Id, null, CancellationToken.None));
        return import;
    }

    public async Task<ContactImport> GetAsync(Guid importId, CancellationToken cancellationToken) =>
        await db.ContactImports.AsNoTracking().SingleOrDefaultAsync(i => i.Id == importId, cancellationToken)
        ?? throw new NotFoundException($"There is no import {importId}.");

    /// <summary>Runs a queued import from the start (a retry repeats it; upserts make that harmless).</summary>
    public async Task RunAsync(Guid importId, UpsertContacts upsert, ListMembers lists, CancellationToken cancellationToken)
    {
        var import = await db.ContactImports.SingleOrDefaultAsync(i => i.Id == importId, cancellationToken);
        if (import?.Content is not { } content)
        {
            return;
        }

        (import.Status, import.ProcessedRows, import.Accepted, import.Rejected, import.Error) = (ContactImport.Running, 0, 0, 0, null);
        await db.SaveChangesAsync(cancellationToken);

        var catalog = (await rules.EnvironmentAsync(cancellationToken)).Catalog;
        var columns = import.Columns.RootElement.EnumerateArray().Select(c => c.GetProperty("field").GetString()).ToList();
        var rejected = new JsonArray();
        var batch = new List<ContactInput>();
        var emails = new HashSet<string>(StringComparer.Ordinal);

        async Task FlushAsync()
        {
            if (batch.Count > 0)
            {
                var result = await upsert.HandleAsync(batch, cancellationToken);
                if (import.TargetSegmentId is { } segmentId)
                {
                    await lists.AddAsync(segmentId, result.Ids, cancellationToken);
                }

                import.Accepted += batch.Count;
                batch.Clear();
                emails.Clear();
            }

            import.RejectedRows = JsonDocument.Parse(rejected.ToJsonString());
            await db.SaveChangesAsync(cancellationToken);
        }

        await using var csv = CsvReader.Create(new MemoryStream(content), new CsvReaderOptions { TrackLineNumbers = true, TrimWhitespace = true }, leaveOpen: false);
        await csv.ReadHeaderAsync(cancellationToken);
        while (await csv.ReadAsync(cancellationToken))
        {
            import.ProcessedRows++;
            var failures = new List<ValidationFailure>();
            var item = Row(csv, columns, catalog);
            if (ContactInput.Read(JsonSerializer.SerializeToElement(item), "row", catalog, failures) is { } input)
            {
                if (!emails.Add(input.EmailKey))
                {
                    // A later line for the same email updates the earlier one: write the batch that holds it first.
                    await FlushAsync();
                    emails.Add(input.EmailKey);
                }

                batch.Add(input);
            }
            else
            {
                import.Rejected++;
                if (rejected.Count < ReportedRejections)
                {
                    rejected.Add(new JsonObject
                    {
                        ["line"] = csv.LineNumber,
                        ["errors"] = new JsonObject(failures.GroupBy(f => Column(f.PropertyName))
                            .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)new JsonArray(g.Select(f => (JsonNode?)f.ErrorMessage).ToArray())))),
                    });
                }
            }

            if (batch.Count >= BatchSize)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        (import.Status, import.Content, import.FinishedAt) = (ContactImport.Succeeded, null, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Records a failed attempt. Before the <paramref name="last"/> one the file stays for the retry and the import
    /// shows as queued with the error; after it the import is failed for good, keeping what it wrote.
    /// </summary>
    public async Task FailAsync(Guid importId, string error, bool last, CancellationToken cancellationToken)
    {
        var attempt = db.ContactImports.Where(i => i.Id == importId);
        if (last)
        {
            await attempt.ExecuteUpdateAsync(
                i => i.SetProperty(x => x.Status, ContactImport.Failed).SetProperty(x => x.Error, error).SetProperty(x => x.Content, (byte[]?)null)
                    .SetProperty(x => x.FinishedAt, DateTimeOffset.UtcNow),
                cancellationToken);
        }
        else
        {
            await attempt.ExecuteUpdateAsync(
                i => i.SetProperty(x => x.Status, ContactImport.Queued).SetProperty(x => x.Error, $"{error} It will be tried again."), cancellationToken);
        }
    }

    /// <summary>One CSV line as the JSON of a contact; empty cells are left out, so they change nothing.</summary>
    private static JsonObject Row(CsvReader csv, List<string?> columns, FieldCatalog catalog)
    {
        var contact = new JsonObject();
        var attributes = new JsonObject();
        for (var i = 0; i < columns.Count && i < csv.FieldCount; i++)
        {
            if (columns[i] is not { } key || csv.GetStringOrNull(i) is not { Length: > 0 } text)
            {
                continue;
            }

            var field = catalog.Find(key)!;
            if (field.BuiltIn)
            {
                contact[key] = key == "tags"
                    ? new JsonArray(text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => (JsonNode?)t).ToArray())
                    : text;
            }
            else
            {
                attributes[key] = field.Type switch
                {
                    FieldType.Number when decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number) => number,
                    FieldType.Boolean when Truth(text) is { } truth => truth,
                    _ => text,
                };
            }
        }

        if (attributes.Count > 0)
        {
            contact["attributes"] = attributes;
        }

        return contact;
    }

    private static bool? Truth(string text) => text.ToLowerInvariant() switch
    {
        "true" or "yes" or "y" or "1" => true,
        "false" or "no" or "n" or "0" => false,
        _ => null,
    };

    /// <summary><c>row.attributes.lifetime_value</c> → <c>lifetime_value</c>: the field a reason is about.</summary>
    private static string Column(string path) => path.Replace("row.attributes.", "", StringComparison.Ordinal).Replace("row.", "", StringComparison.Ordinal);

    /// <summary>The header row; every column must have a name of its own, since a mapping names columns by header.</summary>
    private static async Task<IReadOnlyList<string>> HeadersAsync(byte[] content, CancellationToken cancellationToken)
    {
        List<string> headers;
        try
        {
            await using var csv = CsvReader.Create(new MemoryStream(content), new CsvReaderOptions { TrimWhitespace = true }, leaveOpen: false);
            await csv.ReadHeaderAsync(cancellationToken);
            headers = [.. csv.Headers];
        }
        catch (Exception unreadable) when (IsUnreadable(unreadable))
        {
            throw Unreadable(unreadable);
        }

        var unnamed = headers.FindIndex(string.IsNullOrWhiteSpace);
        if (unnamed >= 0)
        {
            throw new ValidationException([new ValidationFailure("file", $"Column {unnamed + 1} of the header row has no name; name it or delete the column.")]);
        }

        if (headers.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            throw new ValidationException([new ValidationFailure("file", $"The header row names '{repeated.Key}' more than once; each column needs a name of its own.")]);
        }

        return headers;
    }

    private static bool IsUnreadable(Exception error) =>
        error is CsvFormatException or CsvValidationException or InvalidOperationException or DecoderFallbackException;

    private static ValidationException Unreadable(Exception error) =>
        new([new ValidationFailure("file", $"The file is not readable CSV: {error.Message}")]);

    /// <summary>A header names a field by its key (<c>First name</c> → <c>first_name</c>) or by a custom field's label.</summary>
    private static string? Match(string header, FieldCatalog catalog)
    {
        var key = string.Join('_', header.Trim().ToLowerInvariant().Split([' ', '-', '.'], StringSplitOptions.RemoveEmptyEntries));
        return catalog.Find(key)?.Key
            ?? catalog.Fields.FirstOrDefault(f => string.Equals(f.Label, header.Trim(), StringComparison.OrdinalIgnoreCase))?.Key;
    }

    private static bool IsWritable(string? key, FieldCatalog catalog) =>
        key is not null && (key == "email" || ContactInput.Fields.Contains(key) || catalog.Find(key) is { BuiltIn: false });
}

/// <summary>The Hangfire job of an import: ids only, the tenant set here; after the retries the import is marked failed.</summary>
public sealed class ImportContactsJob(IServiceScopeFactory scopes)
{
    private const int Retries = 2;

    /// <summary>Runs the import; a failure is recorded as final only on the last attempt (Hangfire fills in <paramref name="context"/>, enqueued as null).</summary>
    [JobDisplayName("Import contacts {1} of tenant {0}")]
    [AutomaticRetry(Attempts = Retries, DelaysInSeconds = [10, 30], OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task RunAsync(Guid tenantId, Guid importId, PerformContext? context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var imports = scope.ServiceProvider.GetRequiredService<ImportContacts>();
        try
        {
            await imports.RunAsync(importId, scope.ServiceProvider.GetRequiredService<UpsertContacts>(), scope.ServiceProvider.GetRequiredService<ListMembers>(), cancellationToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            await imports.FailAsync(importId, failure.Message, last: context is null || context.GetJobParameter<int>("RetryCount") >= Retries, CancellationToken.None);
            throw;
        }
    }
}
