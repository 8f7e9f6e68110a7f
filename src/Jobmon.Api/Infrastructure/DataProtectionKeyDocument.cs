using System.Xml.Linq;
using Marten;

namespace Jobmon.Infrastructure;

/// <summary>An ASP.NET Core Data Protection key (XML), kept in PostgreSQL.</summary>
public sealed class DataProtectionKeyDocument
{
    public string Id { get; set; } = "";
    public string Xml { get; set; } = "";
}
