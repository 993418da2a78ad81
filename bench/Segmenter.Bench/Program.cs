using Segmenter.Bench;

// The benchmark of DESIGN section 7 (docs/performance.md): ingest through the API, preview counts against
// hand-written SQL on a large tenant, refresh, real-time membership and memory, and the sweep over many tenants.
var options = BenchOptions.Parse(args);
if (options is null)
{
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

BenchDatabase.Keep = options.Keep;
if (options.ScaleOut)
{
    var scaleOut = await ScaleOutBenchmark.RunAsync(options, CancellationToken.None);
    Console.WriteLine(Figure.Table(scaleOut));
    return scaleOut.All(f => f.Passed != false) ? 0 : 1;
}

// Ingest first: after the large tenant's bulk load, PostgreSQL's checkpoint would land in its measurements.
var figures = (await IngestBenchmark.RunAsync(options, CancellationToken.None)).ToList();
figures.AddRange(await MembershipBenchmark.RunAsync(options, CancellationToken.None));
figures.AddRange(await SweepBenchmark.RunAsync(options, CancellationToken.None));

Console.WriteLine(Figure.Table(figures));
return figures.All(f => f.Passed != false) ? 0 : 1;
