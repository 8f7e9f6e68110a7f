using System.Globalization;
using System.Text;

namespace Jobmon.Influx;

/// <summary>
/// A tag regex matching exactly a set of host names, written as numeric ranges: x000001…x150000 becomes
/// <c>/^(?:x(?:00000[1-9]|0000[1-9][0-9]|…|1[0-4][0-9]{4}|150000))$/</c> (a few hundred bytes) instead of a
/// 1.2 MB alternation of every name, which InfluxDB could not answer in time for a full-machine job.
/// </summary>
public static class HostRegex
{
    public static string Compact(IEnumerable<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        // Flat lists sorted once (150,000 names): sorted sets cost ~50 bytes a node and this runs per page view.
        var literals = new List<string>();
        // Names ending in digits, keyed by the text before them and the digits' count (x01 and x1 differ).
        var numbered = new List<(string Prefix, int Width, long Value)>();
        foreach (var host in hosts)
        {
            var end = host.Length;
            while (end > 0 && char.IsAsciiDigit(host[end - 1])) end--;
            var width = host.Length - end;
            if (width is 0 or > 18) { literals.Add(host); continue; }
            numbered.Add((host[..end], width, long.Parse(host.AsSpan(end), NumberStyles.None,
                CultureInfo.InvariantCulture)));
        }
        if (literals.Count == 0 && numbered.Count == 0)
            throw new ArgumentException("At least one host is required.", nameof(hosts));
        literals.Sort(StringComparer.Ordinal);
        numbered.Sort((a, b) => string.CompareOrdinal(a.Prefix, b.Prefix) is var c and not 0 ? c
            : a.Width != b.Width ? a.Width.CompareTo(b.Width) : a.Value.CompareTo(b.Value));
        var parts = literals.Distinct().Select(InfluxQl.RegexEscape).ToList();
        for (var i = 0; i < numbered.Count;)
        {
            var (prefix, width, _) = numbered[i];
            var ranges = new List<string>();
            long lo = numbered[i].Value, hi = lo;
            for (i++; i < numbered.Count && numbered[i].Prefix == prefix && numbered[i].Width == width; i++)
            {
                var v = numbered[i].Value;
                if (v <= hi + 1) { hi = Math.Max(hi, v); continue; }
                Range(Pad(lo, width), Pad(hi, width), ranges);
                lo = hi = v;
            }
            Range(Pad(lo, width), Pad(hi, width), ranges);
            parts.Add(InfluxQl.RegexEscape(prefix) + (ranges.Count == 1 ? ranges[0] : "(?:" + string.Join('|', ranges)
                + ")"));
        }
        return InfluxQl.RegexLiteral("^(?:" + string.Join('|', parts) + ")$");
    }

    private static string Pad(long value, int width) => value.ToString(CultureInfo.InvariantCulture)
        .PadLeft(width, '0');

    /// <summary>Patterns matching exactly the digit strings lo…hi (both of the same length, lo ≤ hi).</summary>
    private static void Range(string lo, string hi, List<string> into)
    {
        if (lo == hi) { into.Add(lo); return; }
        var rest = lo.Length - 1;
        if (lo[1..].All(c => c == '0') && hi[1..].All(c => c == '9'))
        {
            into.Add(Digits(lo[0], hi[0]) + Any(rest));
            return;
        }
        if (lo[0] == hi[0])
        {
            var inner = new List<string>();
            Range(lo[1..], hi[1..], inner);
            into.Add(lo[0] + (inner.Count == 1 ? inner[0] : "(?:" + string.Join('|', inner) + ")"));
            return;
        }
        Range(lo, lo[0] + new string('9', rest), into);
        if (hi[0] - lo[0] > 1) into.Add(Digits((char)(lo[0] + 1), (char)(hi[0] - 1)) + Any(rest));
        Range(hi[0] + new string('0', rest), hi, into);
    }

    private static string Digits(char from, char to) => from == to ? from.ToString() : $"[{from}-{to}]";

    private static string Any(int count) => count switch { 0 => "", 1 => "[0-9]", _ => $"[0-9]{{{count}}}" };
}
