using System.Text.Json;
using Segmenter.Core.Membership;
using Segmenter.Core.Segments;

namespace Segmenter.UnitTests.Membership;

public sealed class SegmentGraphShould
{
    // a <- b <- d, a <- c <- d (d reads b and c, which both read a); e alone; list f read by g.
    private static readonly Guid A = Id(1), B = Id(2), C = Id(3), D = Id(4), E = Id(5), F = Id(6), G = Id(7);

    [Fact]
    public void Order_every_segment_after_the_segments_it_reads()
    {
        var graph = Graph((D, [B, C]), (B, [A]), (G, [F]), (C, [A]), (E, []), (A, []), (F, null));

        var order = graph.InDependencyOrder.Select(n => n.Id).ToList();

        Assert.Equal(7, order.Count);
        foreach (var node in graph.InDependencyOrder)
        {
            Assert.All(node.References, reference => Assert.True(order.IndexOf(reference) < order.IndexOf(node.Id), $"{node.Id} before {reference}"));
        }
    }

    [Fact]
    public void Find_the_readers_of_a_segment_through_other_segments()
    {
        var graph = Graph((D, [B, C]), (B, [A]), (C, [A]), (E, []), (A, []));

        Assert.Equal([B, C, D], graph.DependentsOf(A).Select(n => n.Id).Order());
        Assert.Equal(D, Assert.Single(graph.DependentsOf(B)).Id);
        Assert.Empty(graph.DependentsOf(E));
    }

    [Fact]
    public void Split_the_segments_into_chains_that_share_no_reference()
    {
        var graph = Graph((D, [B, C]), (B, [A]), (G, [F]), (C, [A]), (E, []), (A, []), (F, null));

        var chains = graph.IndependentChains().Select(chain => chain.Select(n => n.Id).ToList()).ToList();

        Assert.Equal(3, chains.Count);
        Assert.Contains(chains, chain => chain.Order().SequenceEqual([A, B, C, D]) && chain[0] == A && chain[^1] == D);
        Assert.Contains(chains, chain => chain.SequenceEqual([F, G]));
        Assert.Contains(chains, chain => chain.SequenceEqual([E]));
    }

    [Fact]
    public void Place_a_cycle_that_slipped_past_validation_last_instead_of_losing_it()
    {
        var graph = Graph((A, [B]), (B, [A]), (C, []));

        Assert.Equal(C, graph.InDependencyOrder[0].Id);
        Assert.Equal([A, B], graph.InDependencyOrder.Skip(1).Select(n => n.Id).Order());
    }

    [Fact]
    public void Ignore_references_to_segments_that_are_gone_and_definitions_that_no_longer_parse()
    {
        var graph = SegmentGraph.From([
            (A, SegmentType.Dynamic, Definition([Id(99)])),
            (B, SegmentType.Dynamic, JsonDocument.Parse("""{"logic":"and","rules":[{"field":1}]}""")),
        ]);

        Assert.Equal([A, B], graph.InDependencyOrder.Select(n => n.Id));
        Assert.Null(graph.Find(B)!.Definition);
    }

    private static SegmentGraph Graph(params (Guid Id, Guid[]? References)[] segments) =>
        SegmentGraph.From(segments.Select(s => (s.Id, s.References is null ? SegmentType.Static : SegmentType.Dynamic, s.References is null ? null : Definition(s.References))));

    /// <summary>An "in" condition for each reference, or a field condition when there is none.</summary>
    private static JsonDocument Definition(Guid[] references) => JsonDocument.Parse(references.Length == 0
        ? """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}"""
        : $$"""{"logic":"or","rules":[{{string.Join(",", references.Select(r => $$"""{"segment":"{{r}}","operator":"in"}"""))}}]}""");

    private static Guid Id(int n) => new($"00000000-0000-7000-8000-{n:000000000000}");
}
