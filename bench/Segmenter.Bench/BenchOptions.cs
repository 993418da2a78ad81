using System.Globalization;

namespace Segmenter.Bench;

internal sealed record BenchOptions(
    string ConnectionString, string WebDll, bool Quick, bool Keep, bool ScaleOut, int Contacts, long Events, int Writes, int Batches, int Clients, int SweepTenants)
{
    public const string Usage = """
        usage: Segmenter.Bench --connection CONNECTION_STRING --web PATH [--quick] [--keep] [--scale-out] [--contacts N] [--events N]
                               [--writes N] [--batches N] [--clients N] [--sweep-tenants N]
          --connection     a PostgreSQL server the benchmark may create and drop its own databases on
          --web            Segmenter.Web.dll, started as its own process for the API figures
          --quick          the routine check: 100,000 contacts and 1,000,000 events, fewer writes, batches and tenants
          --keep           keep the benchmark's databases afterwards, to look at plans
          --scale-out      only the sweep as production runs it, by 1, 2 and 4 web-host processes (docs/scaling.md)
          --contacts       contacts of the large tenant (default 1,000,000; quick 100,000)
          --events         events of the large tenant (default 10,000,000; quick 1,000,000)
          --writes         contact updates timed through the API until membership is visible (default 200; quick 20)
          --batches        batches of 10,000 contacts posted to the API (default 10; quick 2)
          --clients        clients posting batches side by side (default 4)
          --sweep-tenants  tenants of 10,000 contacts and 10 dynamic segments each for the sweep (default 100; quick 3)
        """;

    private static readonly string[] Known = ["--connection", "--web", "--contacts", "--events", "--writes", "--batches", "--clients", "--sweep-tenants"];

    public static BenchOptions? Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var rest = args.Where(a => a is not ("--quick" or "--keep" or "--scale-out")).ToArray();
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < rest.Length; i += 2)
        {
            values[rest[i]] = rest[i + 1];
        }

        if (rest.Length % 2 != 0 || !values.TryGetValue("--connection", out var connection) || !values.TryGetValue("--web", out var web)
            || values.Keys.Any(k => !Known.Contains(k)))
        {
            return null;
        }

        long Number(string name, long full, long routine) =>
            values.TryGetValue(name, out var value) ? long.Parse(value, CultureInfo.InvariantCulture) : quick ? routine : full;

        return new BenchOptions(
            connection,
            web,
            quick,
            args.Contains("--keep"),
            args.Contains("--scale-out"),
            (int)Number("--contacts", 1_000_000, 100_000),
            Number("--events", 10_000_000, 1_000_000),
            (int)Number("--writes", 200, 20),
            (int)Number("--batches", 10, 2),
            (int)Number("--clients", 4, 4),
            (int)Number("--sweep-tenants", 100, 3));
    }
}
