using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;

namespace Segmenter.Core.Contacts;

/// <summary>The shape every ingest body shares: <c>{"name": [item, ...]}</c> with 1 to a maximum of items, and nothing else.</summary>
internal static class BatchBody
{
    /// <exception cref="ValidationException">The body is not of that shape; the failure is at <paramref name="name"/>.</exception>
    public static JsonElement Items(JsonElement body, string name, int max)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty(name, out var items) || items.ValueKind != JsonValueKind.Array
            || items.GetArrayLength() is 0 || items.GetArrayLength() > max || body.EnumerateObject().Count() != 1)
        {
            throw new ValidationException([new ValidationFailure(name, $"The body is {{\"{name}\": [...]}} with 1 to {max:N0} {name}.")]);
        }

        return items;
    }
}
