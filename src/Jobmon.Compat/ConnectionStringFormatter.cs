using System.Text;

namespace Jobmon.Compat;

/// <summary>
/// Builds <c>Key=Value;…</c> connection strings the way ADO.NET's <c>DbConnectionStringBuilder</c> (which Npgsql's
/// builder derives from) reads them back: a value that is empty of special characters is written as is; otherwise it is
/// enclosed in double quotes and every double quote inside is doubled (<c>pa"ss;word</c> → <c>"pa""ss;word"</c>).
/// Special: <c>;</c>, <c>=</c>, <c>'</c>, <c>"</c>, whitespace and control characters (leading/trailing whitespace
/// would otherwise be trimmed by the parser).
/// </summary>
internal sealed class ConnectionStringFormatter
{
    private readonly StringBuilder _sb = new();

    public ConnectionStringFormatter Add(string keyword, string value)
    {
        if (_sb.Length > 0) _sb.Append(';');
        // Keywords are fixed here; '=' in a keyword would have to be doubled.
        _sb.Append(keyword.Replace("=", "==")).Append('=');
        _sb.Append(NeedsQuoting(value) ? "\"" + value.Replace("\"", "\"\"") + "\"" : value);
        return this;
    }

    internal static bool NeedsQuoting(string value)
    {
        foreach (var c in value)
        {
            if (c is ';' or '=' or '\'' or '"' || char.IsWhiteSpace(c) || char.IsControl(c))
                return true;
        }
        return false;
    }

    public override string ToString() => _sb.ToString();
}
