using Segmenter.Bench;

// The benchmark of DESIGN section 7: membership (refresh, real-time latency) and ingest through the API.
// Issue 8 adds the million-contact run and the hand-written SQL comparison.
var options = BenchOptions.Parse(args);
if (options is null)
{
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

// Ingest first: after the membership run's bulk load, PostgreSQL's checkpoint would land in its measurements.
var figures = options.WebDll is null ? [] : (await IngestBenchmark.RunAsync(options, CancellationToken.None)).ToList();
figures.AddRange(await MembershipBenchmark.RunAsync(options, CancellationToken.None));

Console.WriteLine(Figure.Table(figures));
return figures.All(f => f.Passed != false) ? 0 : 1;
