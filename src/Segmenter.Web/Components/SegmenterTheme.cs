using MudBlazor;

namespace Segmenter.Web.Components;

/// <summary>The app's colours, shared by the app's layout and the sign-in pages.</summary>
internal static class SegmenterTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3f51b5",
            AppbarBackground = "#283593",
        },
    };
}
