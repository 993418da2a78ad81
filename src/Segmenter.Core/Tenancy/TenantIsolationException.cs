namespace Segmenter.Core.Tenancy;

/// <summary>Thrown when a write would cross a tenant boundary or has no tenant at all.</summary>
public sealed class TenantIsolationException : InvalidOperationException
{
    public TenantIsolationException(string message)
        : base(message)
    {
    }

    public TenantIsolationException()
    {
    }

    public TenantIsolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
