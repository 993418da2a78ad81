using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Data;

/// <summary>Lets <c>dotnet ef</c> build the model without the web host; adding a migration opens no connection.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<SegmenterDbContext>
{
    public SegmenterDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SegmenterDbContext>();
        SegmenterDbContext.Configure(
            options,
            Environment.GetEnvironmentVariable("SEGMENTER_DESIGN_DB") ?? "Host=127.0.0.1;Port=55432;Database=segmenter;Username=postgres");
        return new SegmenterDbContext(options.Options, new TenantContext());
    }
}
