namespace Segmenter.Core.Rules;

/// <summary>What a rule tree is evaluated against: the tenant's fields, its time zone, and the instant of evaluation.</summary>
public sealed record RuleEnvironment(FieldCatalog Catalog, TimeZoneInfo TimeZone, DateTimeOffset Now)
{
    /// <summary>Now's calendar date in the tenant's time zone.</summary>
    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Now, TimeZone).DateTime);

    /// <summary>
    /// The first instant whose calendar date in the tenant's time zone is <paramref name="day"/>, so that an
    /// instant v is on day D exactly when <c>StartOf(D) ≤ v &lt; StartOf(D + 1)</c>, across DST changes too.
    /// </summary>
    public DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (TimeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        var offset = TimeZone.IsAmbiguousTime(local) ? TimeZone.GetAmbiguousTimeOffsets(local).Max() : TimeZone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
