using Microsoft.EntityFrameworkCore;

namespace Segmenter.Core.Contacts;

/// <summary>The search box of every contact list: the text anywhere in the email, first or last name, any case, taken literally.</summary>
public static class ContactSearch
{
    /// <summary>The contacts matching <paramref name="search"/>; all of them when it is empty.</summary>
    public static IQueryable<Contact> Matching(this IQueryable<Contact> contacts, string? search)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            return contacts;
        }

        var pattern = LikePatterns.Containing(search.Trim());
        return contacts.Where(c =>
            EF.Functions.ILike(c.Email, pattern, LikePatterns.EscapeCharacter)
            || EF.Functions.ILike(c.FirstName!, pattern, LikePatterns.EscapeCharacter)
            || EF.Functions.ILike(c.LastName!, pattern, LikePatterns.EscapeCharacter));
    }
}
