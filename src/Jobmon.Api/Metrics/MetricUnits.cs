namespace Jobmon.Metrics;

/// <summary>
/// Units with a prefix (as the original JobMon's config and the collectors write them: <c>MFLOP/s</c>, <c>GB</c>,
/// <c>MByte</c>, <c>kB</c>) as a base unit and the factor to it, so the catalogue serves base units and the UI picks
/// the prefix. Decimal prefixes k M G T P (10³…), binary Ki Mi Gi Ti (2¹⁰…); memory sizes in kB/MByte from the
/// kernel and NVML are binary (memstat's kB are KiB, nvidia's MByte are MiB) and are listed explicitly.
/// </summary>
public static class MetricUnits
{
    private static readonly Dictionary<string, (string Unit, double Scale)> Known = new(StringComparer.Ordinal)
    {
        ["kB"] = ("B", 1024), ["KB"] = ("B", 1024), ["MByte"] = ("B", 1024 * 1024), ["MiB"] = ("B", 1024 * 1024),
        ["MFlops/s"] = ("FLOP/s", 1e6), ["Mbyte/s"] = ("B/s", 1e6), ["MByte/s"] = ("B/s", 1e6),
        ["bytes"] = ("B", 1), ["bytes/sec"] = ("B/s", 1), ["watts"] = ("W", 1), ["Watt"] = ("W", 1), ["Percent"] =
            ("%", 1),
    };

    private static readonly string[] Bases = ["FLOP/s", "FLOPS", "Bit/s", "OP/s", "B/s", "Hz", "B", "W", "J"];

    private static readonly (string Prefix, double Factor)[] Prefixes =
    [
        ("Ki", 1024d), ("Mi", 1024d * 1024), ("Gi", 1024d * 1024 * 1024), ("Ti", 1024d * 1024 * 1024 * 1024),
        ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15),
    ];

    /// <summary>The base unit and the factor from <paramref name="unit"/> to it; units without a known prefix stay as
    /// they are (factor 1).</summary>
    public static (string Unit, double Scale) ToBase(string unit)
    {
        var u = unit.Trim();
        if (Known.TryGetValue(u, out var known)) return known;
        foreach (var b in Bases)
            if (u.Length > b.Length && u.EndsWith(b, StringComparison.Ordinal))
                foreach (var (prefix, factor) in Prefixes)
                    if (u.Length == prefix.Length + b.Length && u.StartsWith(prefix, StringComparison.Ordinal))
                        return (b == "FLOPS" ? "FLOP/s" : b, factor);
        return (u, 1);
    }
}
