namespace Segmenter.IntegrationTests.Infrastructure;

/// <summary>A clock that always says <paramref name="now"/>, so time rules have one right answer.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
