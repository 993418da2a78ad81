namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>Test classes that run Hangfire, whose logging and job activation are process-wide: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class HangfireTests
{
    public const string Name = "Hangfire";
}
