using System.Globalization;
using System.Text;

namespace Jobmon.Hostlists;

/// <summary>Invalid hostlist syntax; <see cref="Position"/> is the 0-based index in the input.</summary>
public sealed class HostlistFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public HostlistFormatException(string hostlist, int position, string reason)
        : base($"Invalid hostlist at position {position}: {reason} (in '{Shorten(hostlist)}').")
    {
        Position = position;
        Reason = reason;
    }

    /// <summary>0-based index of the offending character in the input.</summary>
    public int Position { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";
}

/// <summary>
/// SLURM hostlist expressions: <c>hkn[0001-0010,0012],gpu[1-2]-ib,node7</c>.
/// </summary>
/// <remarks>
/// Syntax: names separated by top-level commas; a name is text with any number of bracket groups; a bracket group holds
/// comma-separated numbers or ranges <c>lo-hi</c>. Numbers are zero-padded to the length of <c>lo</c> (<c>[08-10]</c>
/// →
/// 08, 09, 10;
/// <c>[8-10]</c> → 8, 9, 10). Several groups in one name expand to their cartesian product, the first group varying
/// slowest
/// (<c>a[1-2]b[3-4]</c> → a1b3, a1b4, a2b3, a2b4). Leading/trailing whitespace of the whole input is ignored;
/// whitespace or
/// control characters inside it, empty names, unbalanced brackets, empty groups, non-digits in groups and descending
/// ranges are
/// errors. Expansion keeps order and duplicates.
/// </remarks>
public static class Hostlist
{
    /// <summary>Default upper bound for the number of expanded host names.</summary>
    public const int DefaultMaxHosts = 100_000;

    private const int MaxDigits = 18;

    /// <summary>Expands a hostlist expression. Throws <see cref="HostlistFormatException"/> on bad syntax or when the
    /// expansion exceeds <paramref name="maxHosts"/>.</summary>
    public static IReadOnlyList<string> Expand(string hostlist, int maxHosts = DefaultMaxHosts)
    {
        ArgumentNullException.ThrowIfNull(hostlist);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHosts);
        var entries = Parse(hostlist, maxHosts);
        var result = new List<string>();
        foreach (var entry in entries)
        {
            ExpandEntry(entry, result);
        }

        return result;
    }

    /// <summary>
    /// Compresses host names into a short hostlist expression such that <c>Expand(Compress(x))</c> equals the distinct
    /// names of x as a set. Names are grouped by the text around their last number; zero padding is kept.
    /// Names containing '[', ']', ',', whitespace or control characters, and empty names, are rejected.
    /// </summary>
    public static string Compress(IEnumerable<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var singles = new List<string>();
        var groups = new Dictionary<(string Prefix, string Suffix), List<(long Value, string Digits)>>();
        foreach (var host in hosts.Distinct(StringComparer.Ordinal))
        {
            ArgumentNullException.ThrowIfNull(host, nameof(hosts));
            if (host.Length == 0)
            {
                throw new ArgumentException("A host name must not be empty.", nameof(hosts));
            }

            foreach (var c in host)
            {
                if (c is '[' or ']' or ',' || char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    throw new ArgumentException(
                        $"Host name '{host}' contains '{c}', which a hostlist cannot represent.", nameof(hosts));
                }
            }

            var end = host.Length - 1;
            while (end >= 0 && !char.IsAsciiDigit(host[end]))
            {
                end--;
            }

            if (end < 0)
            {
                singles.Add(host);
                continue;
            }

            var start = end;
            while (start > 0 && char.IsAsciiDigit(host[start - 1]))
            {
                start--;
            }

            var digits = host[start..(end + 1)];
            if (digits.Length > MaxDigits)
            {
                singles.Add(host);
                continue;
            }

            var key = (host[..start], host[(end + 1)..]);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
            }

            list.Add((long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture), digits));
        }

        var items = new List<(string SortKey, long Order, string Text)>();
        foreach (var s in singles)
        {
            items.Add((s, -1, s));
        }

        foreach (var ((prefix, suffix), numbers) in groups)
        {
            var paddedWidths = numbers.Where(n => IsPadded(n.Digits)).Select(n => n.Digits.Length).ToHashSet();
            // width 0: natural numbers (no leading zeros); width w > 0: numbers printed with exactly w digits.
            var byWidth = numbers
                .GroupBy(n => IsPadded(n.Digits) || paddedWidths.Contains(n.Digits.Length) ? n.Digits.Length : 0)
                .OrderBy(g => g.Key);
            foreach (var sub in byWidth)
            {
                var width = sub.Key;
                var values = sub.Select(n => n.Value).Distinct().Order().ToList();
                if (values.Count == 1)
                {
                    items.Add((prefix + "\u0000" + suffix, values[0], prefix + Format(values[0], width) + suffix));
                    continue;
                }

                var sb = new StringBuilder(prefix).Append('[');
                var i = 0;
                while (i < values.Count)
                {
                    var j = i;
                    while (j + 1 < values.Count && values[j + 1] == values[j] + 1)
                    {
                        j++;
                    }

                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append(Format(values[i], width));
                    if (j > i)
                    {
                        sb.Append('-').Append(Format(values[j], width));
                    }

                    i = j + 1;
                }

                sb.Append(']').Append(suffix);
                items.Add((prefix + "\u0000" + suffix, values[0], sb.ToString()));
            }
        }

        return string.Join(',', items
            .OrderBy(x => x.SortKey, StringComparer.Ordinal)
            .ThenBy(x => x.Order)
            .ThenBy(x => x.Text, StringComparer.Ordinal)
            .Select(x => x.Text));
    }

    private static bool IsPadded(string digits) => digits.Length > 1 && digits[0] == '0';

    private static string Format(long value, int width) =>
        value.ToString(width > 0 ? "D" + width.ToString(CultureInfo.InvariantCulture) : "D",
            CultureInfo.InvariantCulture);

    private abstract record Segment;

    private sealed record Literal(string Text) : Segment;

    private sealed record NumberGroup(List<(long Lo, long Hi, int Width)> Ranges, long Count) : Segment;

    private static List<List<Segment>> Parse(string input, int maxHosts)
    {
        var begin = 0;
        var stop = input.Length;
        while (begin < stop && char.IsWhiteSpace(input[begin]))
        {
            begin++;
        }

        while (stop > begin && char.IsWhiteSpace(input[stop - 1]))
        {
            stop--;
        }

        var entries = new List<List<Segment>>();
        if (begin == stop)
        {
            return entries;
        }

        long total = 0;
        var pos = begin;
        while (true)
        {
            var entryStart = pos;
            var segments = new List<Segment>();
            var literal = new StringBuilder();
            long count = 1;
            while (pos < stop && input[pos] != ',')
            {
                var c = input[pos];
                if (c == '[')
                {
                    if (literal.Length > 0)
                    {
                        segments.Add(new Literal(literal.ToString()));
                        literal.Clear();
                    }

                    var group = ParseGroup(input, ref pos, stop, maxHosts);
                    segments.Add(group);
                    count *= group.Count; // both factors are <= maxHosts, no overflow in long
                    if (count > maxHosts)
                    {
                        throw new HostlistFormatException(input, entryStart,
                            $"the name expands to more than {maxHosts} hosts");
                    }
                }
                else if (c == ']')
                {
                    throw new HostlistFormatException(input, pos, "']' without a matching '['");
                }
                else if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    throw new HostlistFormatException(input, pos,
                        "whitespace or a control character inside the hostlist");
                }
                else
                {
                    literal.Append(c);
                    pos++;
                }
            }

            if (literal.Length > 0)
            {
                segments.Add(new Literal(literal.ToString()));
            }

            if (segments.Count == 0)
            {
                throw new HostlistFormatException(input, pos, "empty host name");
            }

            total += count;
            if (total > maxHosts)
            {
                throw new HostlistFormatException(input, entryStart,
                    $"the hostlist expands to more than {maxHosts} hosts");
            }

            entries.Add(segments);
            if (pos >= stop)
            {
                return entries;
            }

            pos++; // the comma
            if (pos >= stop)
            {
                throw new HostlistFormatException(input, pos - 1, "trailing ','");
            }
        }
    }

    private static NumberGroup ParseGroup(string input, ref int pos, int stop, int maxHosts)
    {
        var open = pos;
        pos++; // '['
        var ranges = new List<(long, long, int)>();
        long count = 0;
        while (true)
        {
            if (pos >= stop)
            {
                throw new HostlistFormatException(input, open, "'[' is never closed");
            }

            var loText = ReadNumber(input, ref pos, stop, open);
            var lo = long.Parse(loText, NumberStyles.None, CultureInfo.InvariantCulture);
            var hi = lo;
            if (pos < stop && input[pos] == '-')
            {
                pos++;
                var hiStart = pos;
                var hiText = ReadNumber(input, ref pos, stop, open);
                hi = long.Parse(hiText, NumberStyles.None, CultureInfo.InvariantCulture);
                if (hi < lo)
                {
                    throw new HostlistFormatException(input, hiStart,
                        $"range end {hiText} is below its start {loText}");
                }
            }

            ranges.Add((lo, hi, loText.Length));
            count += hi - lo + 1; // each term <= 10^18, and we stop as soon as count exceeds maxHosts
            if (count > maxHosts)
            {
                throw new HostlistFormatException(input, open,
                    $"the bracket group expands to more than {maxHosts} hosts");
            }

            if (pos >= stop)
            {
                throw new HostlistFormatException(input, open, "'[' is never closed");
            }

            var c = input[pos];
            if (c == ']')
            {
                pos++;
                return new NumberGroup(ranges, count);
            }

            if (c != ',')
            {
                throw new HostlistFormatException(input, pos,
                    $"expected ',', '-' or ']' in a bracket group, found '{c}'");
            }

            pos++;
        }
    }

    private static string ReadNumber(string input, ref int pos, int stop, int open)
    {
        var start = pos;
        while (pos < stop && char.IsAsciiDigit(input[pos]))
        {
            pos++;
        }

        if (pos == start)
        {
            if (pos >= stop)
            {
                throw new HostlistFormatException(input, open, "'[' is never closed");
            }

            throw new HostlistFormatException(input, pos,
                $"expected a number in a bracket group, found '{input[pos]}'");
        }

        if (pos - start > MaxDigits)
        {
            throw new HostlistFormatException(input, start, $"number longer than {MaxDigits} digits");
        }

        return input[start..pos];
    }

    private static void ExpandEntry(List<Segment> segments, List<string> output)
    {
        var parts = new List<string[]>(segments.Count);
        foreach (var segment in segments)
        {
            parts.Add(segment switch
            {
                Literal l => [l.Text],
                NumberGroup g => g.Ranges.SelectMany(r => Range(r.Lo, r.Hi, r.Width)).ToArray(),
                _ => throw new InvalidOperationException("unknown segment"),
            });
        }

        var index = new int[parts.Count];
        var sb = new StringBuilder();
        while (true)
        {
            sb.Clear();
            for (var i = 0; i < parts.Count; i++)
            {
                sb.Append(parts[i][index[i]]);
            }

            output.Add(sb.ToString());
            var k = parts.Count - 1;
            while (k >= 0 && ++index[k] == parts[k].Length)
            {
                index[k] = 0;
                k--;
            }

            if (k < 0)
            {
                return;
            }
        }
    }

    private static IEnumerable<string> Range(long lo, long hi, int width)
    {
        var format = "D" + width.ToString(CultureInfo.InvariantCulture);
        for (var v = lo; v <= hi; v++)
        {
            yield return v.ToString(format, CultureInfo.InvariantCulture);
        }
    }
}
