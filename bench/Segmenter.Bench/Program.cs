using Segmenter.Bench;

// The benchmark of DESIGN section 7. Issue 4 brings the membership figures (refresh and real-time
// latency); issue 8 adds the million-contact run, the hand-written SQL comparison and ingest.
var options = BenchOptions.Parse(args);
if (options is null)
{
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

var figures = await MembershipBenchmark.RunAsync(options, CancellationToken.None);
Console.WriteLine(Figure.Table(figures));
return figures.All(f => f.Passed != false) ? 0 : 1;
