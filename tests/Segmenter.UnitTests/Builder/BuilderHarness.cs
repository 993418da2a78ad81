using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using FieldType = Segmenter.Core.Fields.FieldType;
using Segmenter.Core.Fields;
using Segmenter.Core.Rules;
using Segmenter.Web.Components.Builder;

namespace Segmenter.UnitTests.Builder;

/// <summary>
/// The builder's root group rendered by bUnit with MudBlazor's popovers, and the clicks a marketer makes:
/// open a select by its test id, pick an item by its text, type into an input.
/// </summary>
internal sealed class BuilderHarness : IAsyncDisposable
{
    public static readonly Guid NewsletterId = Guid.Parse("0199b3a2-0000-7000-8000-000000000001");

    private readonly BunitContext _context = new();
    private readonly IRenderedComponent<MudPopoverProvider> _popovers;

    public BuilderHarness(BuilderGroup? root = null, int maxDepth = 5, Action<BuilderState, BuilderGroup>? configure = null)
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        Choices = Tenant with { MaxDepth = maxDepth };
        Root = root ?? BuilderGroup.WithBlankRule();
        State = new BuilderState(Choices, () =>
        {
            Changes++;
            return Task.CompletedTask;
        });
        configure?.Invoke(State, Root);
        _popovers = _context.Render<MudPopoverProvider>();
        Rendered = _context.Render<GroupEditor>(parameters => parameters.Add(p => p.Group, Root).Add(p => p.State, State));
    }

    /// <summary>Two custom fields, two event types and one other segment.</summary>
    public static RuleChoices Tenant { get; } = new(
        new FieldCatalog([
            new FieldDefinition { TenantId = Guid.Empty, Key = "plan_type", Label = "Plan", Type = FieldType.Choice, Options = ["Free", "Pro"] },
            new FieldDefinition { TenantId = Guid.Empty, Key = "lifetime_value", Label = "Lifetime value", Type = FieldType.Number },
        ]),
        ["email_opened", "purchase"],
        [new SegmentChoice(NewsletterId, "Newsletter", 120)],
        5);

    public RuleChoices Choices { get; }

    public BuilderGroup Root { get; }

    public BuilderState State { get; }

    public IRenderedComponent<GroupEditor> Rendered { get; }

    /// <summary>How many times the editors told the page the tree changed.</summary>
    public int Changes { get; private set; }

    public IReadOnlyList<IElement> All(string testId, IElement? within = null) =>
        [.. (within is null ? Rendered.FindAll(Selector(testId)) : within.QuerySelectorAll(Selector(testId)))];

    public IElement Rule(int index) => All("builder-rule")[index];

    public IElement Group(int index) => All("builder-group")[index];

    /// <summary>The items the select <paramref name="testId"/> inside <paramref name="within"/> offers: opens it, reads them, closes it.</summary>
    public async Task<IReadOnlyList<string>> OfferedAsync(IElement within, string testId)
    {
        await ToggleAsync(within, testId);
        IReadOnlyList<string> offered = [.. _popovers.FindAll(".mud-popover-open .mud-list-item").Select(item => item.TextContent.Trim())];
        await ToggleAsync(within, testId);
        return offered;
    }

    public async Task PickAsync(IElement within, string testId, string text)
    {
        await ToggleAsync(within, testId);
        var items = _popovers.FindAll(".mud-popover-open .mud-list-item");
        var item = items.FirstOrDefault(i => i.TextContent.Trim() == text)
            ?? throw new InvalidOperationException($"'{text}' is not among {string.Join(", ", items.Select(i => i.TextContent.Trim()))}.");
        await PressAsync(item);
    }

    /// <summary>
    /// Clicks <paramref name="element"/> and returns once the render it caused has finished. bUnit's synchronous
    /// <c>Click()</c> does not wait for that render; on a loaded CI machine it landed after the next assertion.
    /// </summary>
    public static Task PressAsync(IElement element) => element.ClickAsync(new MouseEventArgs());

    private static Task ToggleAsync(IElement within, string testId) =>
        within.QuerySelector(Selector(testId))!.Closest(".mud-select")!.MouseDownAsync(new MouseEventArgs());

    public static Task ClickAsync(IElement within, string testId, string text) =>
        PressAsync(within.QuerySelectorAll($"{Selector(testId)} button").Single(b => b.TextContent.Trim() == text));

    public static Task TypeAsync(IElement within, string testId, string text, int index = 0) =>
        within.QuerySelectorAll(Selector(testId))[index].InputAsync(new ChangeEventArgs { Value = text });

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    private static string Selector(string testId) => $"[data-testid='{testId}']";
}
