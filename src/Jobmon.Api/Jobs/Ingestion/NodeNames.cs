using System.Text.RegularExpressions;
using FluentValidation;
using Jobmon.Infrastructure;
using Marten;

using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Ingestion;

public static class NodeNames
{
    public static readonly Regex Valid = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", RegexOptions.Compiled);

    /// <summary>The script joins host names with '|'; commas and whitespace are accepted as well.</summary>
    public static string[] Split(string? list) => string.IsNullOrWhiteSpace(list)
        ? []
        : list.Split(['|', ',', ' ', '\n', '\t'],
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
