namespace Segmenter.Bench;

internal sealed record BenchOptions(string ConnectionString, int Contacts, int Writes, string? WebDll, int Batches, int Clients)
{
    public const string Usage = """
        usage: Segmenter.Bench --connection CONNECTION_STRING [--contacts N] [--writes N] [--web PATH] [--batches N] [--clients N]
          --connection  a PostgreSQL server the benchmark may create and drop its own databases on
          --contacts    contacts of the demo tenant (default 50000)
          --writes      contact updates timed through the real-time path (default 200)
          --web         Segmenter.Web.dll, started to measure ingest through the API (skipped without it)
          --batches     batches of 10,000 contacts posted to the API (default 10)
          --clients     clients posting batches side by side (default 4)
        """;

    public static BenchOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        if (args.Length % 2 != 0 || !values.TryGetValue("--connection", out var connection) || values.Keys.Any(k => k is not ("--connection" or "--contacts" or "--writes" or "--web" or "--batches" or "--clients")))
        {
            return null;
        }

        return new BenchOptions(
            connection,
            values.TryGetValue("--contacts", out var contacts) ? int.Parse(contacts, System.Globalization.CultureInfo.InvariantCulture) : 50_000,
            values.TryGetValue("--writes", out var writes) ? int.Parse(writes, System.Globalization.CultureInfo.InvariantCulture) : 200,
            values.GetValueOrDefault("--web"),
            values.TryGetValue("--batches", out var batches) ? int.Parse(batches, System.Globalization.CultureInfo.InvariantCulture) : 10,
            values.TryGetValue("--clients", out var clients) ? int.Parse(clients, System.Globalization.CultureInfo.InvariantCulture) : 4);
    }
}
