namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>Test classes that run Hangfire (a web host runs its server), whose logging is process-wide: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class HangfireTests
{
    public const string Name = "Hangfire";
}
