using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;

namespace Segmenter.Web.Account;

/// <summary>
/// ASP.NET Core's data-protection keys in the home cluster's <c>data_protection_keys</c> table, so a cookie or
/// antiforgery token issued by one node is read by every other (docs/scaling.md). The key ring itself is not
/// encrypted at rest here; the database's own access control guards it, as it guards the data the cookies open.
/// </summary>
internal sealed class DatabaseKeyRing(IServiceScopeFactory scopes) : IXmlRepository
{
    /// <summary>Every node of one deployment shares this name, whatever its content root.</summary>
    public const string ApplicationName = "Segmenter";

    public static void AddTo(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<IServiceScopeFactory>((options, scopes) => options.XmlRepository = new DatabaseKeyRing(scopes));
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredKeyedService<SegmenterDbContext>(DatabaseRoute.Catalogue);
        return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredKeyedService<SegmenterDbContext>(DatabaseRoute.Catalogue);
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}
