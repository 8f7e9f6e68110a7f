using System.Xml.Linq;
using Marten;

namespace Jobmon.Infrastructure;

/// <summary>
/// Data Protection keys in PostgreSQL, so every replica can read what another protected (the OIDC handshake's state
/// and correlation cookie). They sit next to the JWT signing secret, which is no less sensitive, so they are not
/// encrypted again. The framework calls this synchronously and rarely (start, key rotation).
/// </summary>
public sealed class MartenXmlRepository(IDocumentStore store)
    : Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var query = store.QuerySession();
        // the interface is synchronous
        var docs = query.Query<DataProtectionKeyDocument>().ToListAsync().GetAwaiter().GetResult();
        return docs.Select(d => XElement.Parse(d.Xml)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var session = store.LightweightSession();
        session.Store(new DataProtectionKeyDocument
        {
            Id = string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString() : friendlyName,
            Xml = element.ToString(SaveOptions.DisableFormatting),
        });
        session.SaveChangesAsync().GetAwaiter().GetResult(); // the interface is synchronous
    }
}
