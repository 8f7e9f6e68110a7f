using System.Globalization;
using System.Text;

namespace Jobmon.Influx;

/// <summary>
/// Escaping helpers for building InfluxQL text. Every value that comes from outside (host names, tag values,
/// measurement names, times, durations) must enter a query through one of these methods.
/// </summary>
/// <remarks>
/// Grammar notes (InfluxDB 1.x scanner, also used by the 2.x v1 compatibility API):
/// quoted identifiers and string literals accept the escapes <c>\\</c>, <c>\"</c>, <c>\'</c> and <c>\n</c> and reject a
/// raw
/// line break; regex literals are delimited by <c>/</c>, where <c>\/</c> stands for <c>/</c> and any other backslash is
/// passed
/// to RE2 unchanged, and reject a raw line break. Times are written as RFC 3339 UTC string literals with up to 7
/// fractional digits
/// (e.g. <c>'2024-05-01T12:00:00.5Z'</c>), which InfluxQL compares with <c>time</c>.
/// </remarks>
public static class InfluxQl
{
    /// <summary>Double-quoted identifier (measurement, tag key, field key, database, retention policy):
    /// <c>"cpu_load"</c>.</summary>
    public static string Identifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new ArgumentException("An InfluxQL identifier must not be empty.", nameof(name));
        }

        return Quote(name, '"');
    }

    /// <summary>Dot-joined quoted identifiers, e.g. <c>"db"."rp"."measurement"</c>.</summary>
    public static string QualifiedIdentifier(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("At least one identifier part is required.", nameof(parts));
        }

        return string.Join('.', parts.Select(Identifier));
    }

    /// <summary>Single-quoted string literal: <c>'it\'s'</c>.</summary>
    public static string StringLiteral(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Quote(value, '\'');
    }

    /// <summary>
    /// Escapes literal text for use inside an RE2 pattern (like Go's <c>regexp.QuoteMeta</c>): the metacharacters
    /// <c>\ . + * ? ( ) | [ ] { } ^ $</c> get a backslash; control characters become <c>\x{..}</c>.
    /// The result is pattern text, not yet a literal: wrap it with <see cref="RegexLiteral"/>.
    /// </summary>
    public static string RegexEscape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\' or '.' or '+' or '*' or '?' or '(' or ')' or '|' or '[' or ']' or '{' or '}' or '^' or '$':
                    sb.Append('\\').Append(c);
                    break;
                case < ' ' or '\u007f':
                    sb.Append(CultureInfo.InvariantCulture, $"\\x{{{(int)c:x2}}}");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Wraps an RE2 pattern into an InfluxQL regex literal <c>/.../</c>: every <c>/</c> becomes <c>\/</c> and raw line
    /// breaks
    /// become <c>\n</c> / <c>\r</c>. Use only with trusted pattern text or text escaped by <see cref="RegexEscape"/>.
    /// </summary>
    public static string RegexLiteral(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var sb = new StringBuilder(pattern.Length + 4).Append('/');
        foreach (var c in pattern)
        {
            switch (c)
            {
                case '/': sb.Append("\\/"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('/').ToString();
    }

    /// <summary>
    /// Regex literal that matches exactly one of <paramref name="values"/>: <c>/^(?:a|b\.c)$/</c>.
    /// Duplicates are removed; an empty list is rejected (a tag regex matching nothing cannot be written portably,
    /// and <c>/^$/</c> would match series without the tag).
    /// </summary>
    public static string ExactMatchRegex(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var parts = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            ArgumentNullException.ThrowIfNull(v, nameof(values));
            if (seen.Add(v))
            {
                parts.Add(RegexEscape(v));
            }
        }

        if (parts.Count == 0)
        {
            throw new ArgumentException("At least one value is required for an exact-match regex.", nameof(values));
        }

        return RegexLiteral("^(?:" + string.Join('|', parts) + ")$");
    }

    /// <summary><c>"tag" = 'value'</c></summary>
    public static string TagEquals(string tagKey, string value) => $"{Identifier(tagKey)} = {StringLiteral(value)}";

    /// <summary><c>"tag" =~ /^(?:a|b)$/</c> (or <c>"tag" = 'a'</c> for a single value).</summary>
    public static string TagIn(string tagKey, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.Distinct(StringComparer.Ordinal).ToList();
        return list.Count == 1 ? TagEquals(tagKey, list[0]) : $"{Identifier(tagKey)} =~ {ExactMatchRegex(list)}";
    }

    /// <summary>
    /// Duration literal in the largest exact unit: <c>90s</c> → "90s", 1 h → "1h", 1.5 s → "1500ms". Must be
    /// positive.
    /// </summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "An InfluxQL duration must be positive.");
        }

        var ticks = duration.Ticks;
        (long unit, string suffix)[] units =
        [
            (TimeSpan.TicksPerDay * 7, "w"), (TimeSpan.TicksPerDay, "d"), (TimeSpan.TicksPerHour, "h"),
            (TimeSpan.TicksPerMinute, "m"), (TimeSpan.TicksPerSecond, "s"), (TimeSpan.TicksPerMillisecond, "ms"),
            (TimeSpan.TicksPerMicrosecond, "u"),
        ];
        foreach (var (unit, suffix) in units)
        {
            if (ticks % unit == 0)
            {
                return (ticks / unit).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
    }

    /// <summary>Duration literal from whole seconds: 60 → "1m".</summary>
    public static string Duration(int seconds) => Duration(TimeSpan.FromSeconds(seconds));

    /// <summary>
    /// Time literal: RFC 3339 in UTC as a string literal, trailing zero fractions trimmed:
    /// <c>'2024-05-01T12:00:00Z'</c>.
    /// </summary>
    public static string TimeLiteral(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var text = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) + "Z";
        return "'" + text + "'";
    }

    /// <summary>Number literal (invariant culture, round-trippable). NaN and infinities are rejected.</summary>
    public static string Number(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "InfluxQL has no literal for NaN or infinity.");
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        return e < 0 ? text : ExpandExponent(text[..e],
            int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
    }

    // InfluxQL number literals have no exponent: "1.5E-07" → "0.00000015", "1E+20" → "100000000000000000000".
    private static string ExpandExponent(string mantissa, int exponent)
    {
        var negative = mantissa.StartsWith('-');
        var digits = mantissa.TrimStart('-');
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        var intLen = dot < 0 ? digits.Length : dot;
        digits = digits.Replace(".", "", StringComparison.Ordinal);
        var point = intLen + exponent;
        string result;
        if (point <= 0)
        {
            result = "0." + new string('0', -point) + digits;
        }
        else if (point >= digits.Length)
        {
            result = digits + new string('0', point - digits.Length);
        }
        else
        {
            result = digits[..point] + "." + digits[point..];
        }

        return negative ? "-" + result : result;
    }

    /// <summary>Integer literal.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>time &gt;= 'from' AND time &lt;= 'to'</c> (both inclusive).</summary>
    public static string TimeRange(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from)
        {
            throw new ArgumentException($"The end of the time range ({to:O}) is before its start ({from:O}).",
                nameof(to));
        }

        return $"time >= {TimeLiteral(from)} AND time <= {TimeLiteral(to)}";
    }

    private static string Quote(string value, char quote)
    {
        var sb = new StringBuilder(value.Length + 2).Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '"' or '\'' when c == quote: sb.Append('\\').Append(c); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append(quote).ToString();
    }
}
