using FluentValidation;

namespace Segmenter.Web;

/// <summary>A validator's failures by property name, for the message beside each field of a form.</summary>
internal sealed class FormErrors
{
    private readonly Dictionary<string, string> _messages = new(StringComparer.Ordinal);

    public bool Has(string property) => _messages.ContainsKey(property);

    public string? this[string property] => _messages.GetValueOrDefault(property);

    public void Clear() => _messages.Clear();

    /// <summary>Keeps the first message of each property; an item's failure counts for its list (<c>options[2]</c> as <c>options</c>).</summary>
    public void Set(ValidationException error)
    {
        Clear();
        foreach (var failure in error.Errors)
        {
            var property = failure.PropertyName.Split('[')[0];
            _messages.TryAdd(property, failure.ErrorMessage);
        }
    }
}
