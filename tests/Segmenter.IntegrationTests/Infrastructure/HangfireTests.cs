using System.Runtime.CompilerServices;
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
            SchemaName = "hangfire", PrepareSchemaIfNecessary = false, UseSlidingInvisibilityTimeout = true, QueuePollInterval = TimeSpan.FromMilliseconds(100),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}

internal static class HangfireInstallerLogging
{
    /// <summary>
    /// Hangfire.PostgreSql's schema installer takes its logger once per process from the log provider current
    /// at the time; a disposed web host's provider would break it for the rest of the run. It takes Hangfire's
    /// default here, before any host exists.
    /// </summary>
    [ModuleInitializer]
    internal static void TakeTheLoggerBeforeAnyHost() => RuntimeHelpers.RunClassConstructor(typeof(PostgreSqlObjectsInstaller).TypeHandle);
}
