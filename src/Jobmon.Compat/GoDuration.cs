using System.Globalization;
using System.Text;

namespace Jobmon.Compat;

/// <summary>
/// Go's <c>time.ParseDuration</c> / <c>Duration.String()</c> for <see cref="TimeSpan"/>: a possibly signed sequence of
/// decimal numbers, each with an optional fraction and a unit suffix (<c>300ms</c>, <c>-1.5h</c>, <c>2h45m</c>).
/// Units: <c>ns</c>, <c>us</c>, <c>µs</c>, <c>μs</c>, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>. No spaces, no days.
/// The bare string <c>0</c> is allowed; the empty string is not. Values beyond Go's range (±2562047h47m16.854775807s)
/// are rejected like in Go. <see cref="TimeSpan"/> has 100 ns resolution, so nanoseconds below that are truncated.
/// </summary>
public static class GoDuration
{
    private const long NsPerTick = 100;

    private static readonly Dictionary<string, long> GoUnits = new(StringComparer.Ordinal)
    {
        ["ns"] = 1,
        ["us"] = 1_000,
        ["\u00b5s"] = 1_000, // µ (micro sign)
        ["\u03bcs"] = 1_000, // μ (Greek mu)
        ["ms"] = 1_000_000,
        ["s"] = 1_000_000_000,
        ["m"] = 60L * 1_000_000_000,
        ["h"] = 3600L * 1_000_000_000,
    };

    // Flux duration literals also know days and weeks (used by the per-metric SampleInterval, which the original
    // spliced into Flux unparsed).
    private static readonly Dictionary<string, long> FluxExtraUnits = new(StringComparer.Ordinal)
    {
        ["d"] = 24L * 3600 * 1_000_000_000,
        ["w"] = 7L * 24 * 3600 * 1_000_000_000,
    };

    /// <summary>Parses a Go duration string; throws <see cref="FormatException"/> with Go-like wording.</summary>
    public static TimeSpan Parse(string value) =>
        TryParse(value, out var result, out var error) ? result : throw new FormatException(error);

    /// <summary>Parses a Go duration string.</summary>
    public static bool TryParse(string? value, out TimeSpan result) => TryParse(value, out result, out _);

    /// <summary>Parses a Go duration string; on failure <paramref name="error"/> says why (e.g. <c>unknown unit "x" in
    /// duration "10x"</c>).</summary>
    public static bool TryParse(string? value, out TimeSpan result, out string? error) =>
        TryParseCore(value, allowDaysAndWeeks: false, out result, out error);

    internal static bool TryParseCore(string? value, bool allowDaysAndWeeks, out TimeSpan result, out string? error)
    {
        result = TimeSpan.Zero;
        error = null;
        string orig = value ?? "";
        string s = orig;
        var quoted = Quote(orig);

        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
            return true;
        if (s.Length == 0)
        {
            error = orig.Length == 0 ? "invalid duration \"\" (empty)" : $"invalid duration {quoted}";
            return false;
        }

        decimal totalNs = 0;
        int i = 0;
        while (i < s.Length)
        {
            if (!(s[i] == '.' || IsDigit(s[i])))
            {
                error = $"invalid duration {quoted}";
                return false;
            }

            int start = i;
            while (i < s.Length && IsDigit(s[i])) i++;
            string intDigits = s[start..i];
            string fracDigits = "";
            if (i < s.Length && s[i] == '.')
            {
                i++;
                int fs = i;
                while (i < s.Length && IsDigit(s[i])) i++;
                fracDigits = s[fs..i];
            }
            if (intDigits.Length == 0 && fracDigits.Length == 0)
            {
                error = $"invalid duration {quoted}";
                return false;
            }

            int us = i;
            while (i < s.Length && s[i] != '.' && !IsDigit(s[i])) i++;
            if (us == i)
            {
                error = $"missing unit in duration {quoted}";
                return false;
            }
            string unit = s[us..i];
            if (!GoUnits.TryGetValue(unit, out long unitNs) &&
                !(allowDaysAndWeeks && FluxExtraUnits.TryGetValue(unit, out unitNs)))
            {
                var valid = allowDaysAndWeeks ? "ns, us, ms, s, m, h, d, w" : "ns, us, ms, s, m, h";
                error = $"unknown unit {Quote(unit)} in duration {quoted} (valid units: {valid})";
                return false;
            }

            // Integer part: more than 19 digits cannot fit Go's int64 nanoseconds whatever the unit.
            intDigits = intDigits.TrimStart('0');
            if (intDigits.Length > 19)
            {
                error = $"invalid duration {quoted} (out of range)";
                return false;
            }
            try
            {
                decimal whole = intDigits.Length == 0 ? 0 : decimal.Parse(intDigits, CultureInfo.InvariantCulture);
                // Like Go, digits beyond what can matter are ignored (Go stops at int64 overflow of the fraction).
                if (fracDigits.Length > 18) fracDigits = fracDigits[..18];
                decimal frac = fracDigits.Length == 0
                    ? 0
                    : decimal.Parse("0." + fracDigits, CultureInfo.InvariantCulture);
                totalNs += whole * unitNs + decimal.Truncate(frac * unitNs);
            }
            catch (OverflowException)
            {
                error = $"invalid duration {quoted} (out of range)";
                return false;
            }
            if (totalNs > (negative ? 9223372036854775808m : long.MaxValue))
            {
                error = $"invalid duration {quoted} (out of range)";
                return false;
            }
        }

        decimal ticks = decimal.Truncate(totalNs / NsPerTick);
        result = TimeSpan.FromTicks((long)(negative ? -ticks : ticks));
        return true;
    }

    /// <summary>Formats like Go's <c>Duration.String()</c>: <c>24h0m0s</c>, <c>1h30m0s</c>, <c>1.5s</c>, <c>300ms</c>,
    /// <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        bool negative = value < TimeSpan.Zero;
        // |ticks| * 100 fits in ulong for every TimeSpan.
        ulong u = (ulong)Math.Abs((decimal)value.Ticks) * NsPerTick;
        var sb = new StringBuilder();
        if (u < 1_000_000_000UL)
        {
            (int prec, string unit) = u switch
            {
                < 1_000UL => (0, "ns"),
                < 1_000_000UL => (3, "\u00b5s"),
                _ => (6, "ms"),
            };
            sb.Insert(0, unit);
            u = PrependFraction(sb, u, prec);
            sb.Insert(0, u.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Insert(0, 's');
            u = PrependFraction(sb, u, 9);
            sb.Insert(0, (u % 60).ToString(CultureInfo.InvariantCulture));
            u /= 60;
            if (u > 0)
            {
                sb.Insert(0, 'm');
                sb.Insert(0, (u % 60).ToString(CultureInfo.InvariantCulture));
                u /= 60;
                if (u > 0)
                {
                    sb.Insert(0, 'h');
                    sb.Insert(0, u.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
        if (negative) sb.Insert(0, '-');
        return sb.ToString();
    }

    private static ulong PrependFraction(StringBuilder sb, ulong v, int prec)
    {
        var digits = new StringBuilder();
        bool print = false;
        for (int i = 0; i < prec; i++)
        {
            ulong digit = v % 10;
            print = print || digit != 0;
            if (print) digits.Insert(0, (char)('0' + (int)digit));
            v /= 10;
        }
        if (print) sb.Insert(0, "." + digits);
        return v;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
