using System.Security.Cryptography;
using System.Text;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.ApiKeys;

/// <summary>A key as issued: <see cref="Secret"/> is the whole key, shown this once and never stored.</summary>
public sealed record IssuedApiKey(ApiKey Key, string Secret);

/// <summary>Who a presented key speaks for.</summary>
public sealed record ApiKeyIdentity(Guid TenantId, Guid KeyId, string Role, string Name);

/// <summary>
/// API keys: <c>sgk_{prefix}_{secret}</c> with a 256-bit random secret. The prefix (visible, unique) finds
/// the key; only the SHA-256 of the whole key is stored, compared in constant time. A fast hash is right
/// here: the secret is random, not a password, so there is nothing to guess.
/// </summary>
public sealed class ApiKeys([FromKeyedServices(DatabaseRoute.Catalogue)] SegmenterDbContext db, TenantContext tenant, TimeProvider clock)
{
    private const string Scheme = "sgk";

    /// <summary><c>last_used_at</c> is written at most this often per key, so reads do not become writes.</summary>
    private static readonly TimeSpan UsageResolution = TimeSpan.FromMinutes(1);

    public async Task<IssuedApiKey> IssueAsync(string name, string role, CancellationToken cancellationToken)
    {
        var failures = new List<ValidationFailure>();
        if (Names.Check(name) is { } invalidName)
        {
            failures.Add(invalidName);
        }

        if (!TenantRole.All.Contains(role))
        {
            failures.Add(new ValidationFailure("role", $"Role must be one of: {string.Join(", ", TenantRole.All)}."));
        }

        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = $"{Scheme}_{prefix}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var key = new ApiKey
        {
            TenantId = tenant.TenantId ?? throw new InvalidOperationException("Issuing a key needs a current tenant."),
            Name = name.Trim(),
            Prefix = prefix,
            Hash = Hash(secret),
            Role = role,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedApiKey(key, secret);
    }

    /// <summary>
    /// The identity of a valid, unrevoked key, whose tenant becomes the scope's tenant; null for anything else,
    /// in the same time whatever was wrong.
    /// </summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        var parts = presented.Split('_', 3);
        if (parts is not [Scheme, { Length: 12 } prefix, { Length: > 0 }])
        {
            return null;
        }

        // No tenant yet: the key is what tells it.
        ApiKey? key;
        await using (await db.ReadAcrossTenantsAsync(cancellationToken))
        {
            key = await db.ApiKeys.IgnoreQueryFilters([SegmenterDbContext.TenantFilter]).AsNoTracking()
                .SingleOrDefaultAsync(k => k.Prefix == prefix, cancellationToken);
        }

        var expected = key?.Hash ?? new byte[SHA256.HashSizeInBytes];
        if (!CryptographicOperations.FixedTimeEquals(Hash(presented), expected) || key is null || key.RevokedAt is not null)
        {
            return null;
        }

        tenant.Use(key.TenantId);
        var now = clock.GetUtcNow();
        if (key.LastUsedAt is not { } used || now - used > UsageResolution)
        {
            var stale = now - UsageResolution;
            await db.ApiKeys
                .Where(k => k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt < stale))
                .ExecuteUpdateAsync(k => k.SetProperty(x => x.LastUsedAt, now), cancellationToken);
        }

        return new ApiKeyIdentity(key.TenantId, key.Id, key.Role, key.Name);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) =>
        await db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);

    public async Task RevokeAsync(Guid keyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var revoked = await db.ApiKeys.Where(k => k.Id == keyId)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.RevokedAt, x => x.RevokedAt ?? now), cancellationToken);
        if (revoked == 0)
        {
            throw new NotFoundException($"There is no API key {keyId}.");
        }
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
