using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Segmenter.Core.Contacts;

namespace Segmenter.Core.Membership;

/// <summary>
/// Feeds the real-time path from every write made through EF Core: the contacts added or changed, and
/// the contacts whose events were written, are passed on once the write is committed (at once, or when
/// the surrounding transaction commits; a rollback drops them).
/// </summary>
public sealed class ContactWritesInterceptor(RealtimeMembership realtime) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Pending> _pending = [];

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return base.SavingChangesAsync(eventData, result, cancellationToken);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return base.SavingChanges(eventData, result);
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return base.SavedChanges(eventData, result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Drop(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Drop(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Publish(eventData.Context, committed: true);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Publish(eventData.Context, committed: true);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Drop(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Drop(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var pending = _pending.GetOrCreateValue(context);
        foreach (var entry in context.ChangeTracker.Entries())
        {
            switch (entry)
            {
                case { Entity: Contact contact, State: EntityState.Added or EntityState.Modified }:
                    pending.Add(contact.TenantId, contact.Id);
                    break;
                case { Entity: ContactEvent e, State: EntityState.Added or EntityState.Modified or EntityState.Deleted }:
                    pending.Add(e.TenantId, e.ContactId);
                    break;
            }
        }
    }

    private void Saved(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null)
        {
            Publish(context, committed: true);
        }
    }

    private void Drop(DbContext? context) => Publish(context, committed: false);

    private void Publish(DbContext? context, bool committed)
    {
        if (context is null || !_pending.TryGetValue(context, out var pending))
        {
            return;
        }

        _pending.Remove(context);
        if (committed)
        {
            foreach (var (tenantId, contactIds) in pending.ByTenant)
            {
                realtime.ContactsChanged(tenantId, contactIds);
            }
        }
    }

    private sealed class Pending
    {
        public Dictionary<Guid, HashSet<Guid>> ByTenant { get; } = [];

        public void Add(Guid tenantId, Guid contactId) =>
            (ByTenant.TryGetValue(tenantId, out var ids) ? ids : ByTenant[tenantId] = []).Add(contactId);
    }
}
