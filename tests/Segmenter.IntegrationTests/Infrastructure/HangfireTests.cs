using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>Test classes that run Hangfire (a web host runs its server), whose logging is process-wide: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class HangfireTests
{
    public const string Name = "Hangfire";

    /// <summary>Hangfire's PostgreSQL storage in the test's database, polling fast; its logging reset first.</summary>
    public static PostgreSqlStorage Storage(string connectionString)
    {
        // Hangfire's logging is process-wide; a web host of another test may have left it on its disposed logger factory.
        LogProvider.SetCurrentLogProvider(null);
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire", PrepareSchemaIfNecessary = true, UseSlidingInvisibilityTimeout = true, QueuePollInterval = TimeSpan.FromMilliseconds(100),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}
