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
        var literals = new SortedSet<string>(StringComparer.Ordinal);
        // Names ending in digits, grouped by the text before them and the digits' count (x01 and x1 differ).
        var numbered = new SortedDictionary<(string Prefix, int Width), SortedSet<long>>();
        foreach (var host in hosts)
        {
            var end = host.Length;
            while (end > 0 && char.IsAsciiDigit(host[end - 1])) end--;
            var width = host.Length - end;
            if (width is 0 or > 18) { literals.Add(host); continue; }
            var key = (host[..end], width);
            if (!numbered.TryGetValue(key, out var set)) numbered[key] = set = [];
            set.Add(long.Parse(host.AsSpan(end), NumberStyles.None, CultureInfo.InvariantCulture));
        }
        if (literals.Count == 0 && numbered.Count == 0)
            throw new ArgumentException("At least one host is required.", nameof(hosts));
        var parts = literals.Select(InfluxQl.RegexEscape).ToList();
        foreach (var ((prefix, width), values) in numbered)
        {
            var ranges = new List<string>();
            long? lo = null, hi = null;
            foreach (var v in values)
            {
                if (hi is { } h && v == h + 1) { hi = v; continue; }
                if (lo is { } l) Range(Pad(l, width), Pad(hi!.Value, width), ranges);
                lo = hi = v;
            }
            Range(Pad(lo!.Value, width), Pad(hi!.Value, width), ranges);
            parts.Add(InfluxQl.RegexEscape(prefix) + (ranges.Count == 1 ? ranges[0] : "(?:" + string.Join('|', ranges) + ")"));
        }
        return InfluxQl.RegexLiteral("^(?:" + string.Join('|', parts) + ")$");
    }

    private static string Pad(long value, int width) => value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');

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
