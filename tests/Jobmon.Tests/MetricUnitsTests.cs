using Jobmon.Compat;
using Jobmon.DropIn;
using Jobmon.Metrics;

namespace Jobmon.Tests;

/// <summary>Pure parts of the metric model: unit conversion, the original's Type as scope, device order, nearest rank.</summary>
public sealed class MetricUnitsTests
{
    [Theory]
    [InlineData("kB", "B", 1024)]                 // memstat (/proc/meminfo kB are KiB)
    [InlineData("MByte", "B", 1048576)]           // nvidia: bytes / (1024 · 1024)
    [InlineData("MFlops/s", "FLOP/s", 1e6)]       // likwid's default event sets
    [InlineData("MFLOP/s", "FLOP/s", 1e6)]        // the original's config
    [InlineData("GB/s", "B/s", 1e9)]
    [InlineData("GiB", "B", 1073741824)]
    [InlineData("Percent", "%", 1)]               // cpustat's unit tag
    [InlineData("watts", "W", 1)]                 // nvidia
    [InlineData("%", "%", 1)]
    [InlineData("", "", 1)]
    [InlineData("degC", "degC", 1)]
    [InlineData("MHz", "Hz", 1e6)]
    public void Units_become_base_units_with_their_factor(string unit, string expectedUnit, double expectedScale)
    {
        var (u, scale) = MetricUnits.ToBase(unit);
        u.ShouldBe(expectedUnit);
        scale.ShouldBe(expectedScale);
    }

    [Theory]
    [InlineData("node", null)]
    [InlineData("hwthread", null)]
    [InlineData("memoryDomain", null)]
    [InlineData("cpu", "cpu")]   // older collectors' name: the filter keeps it
    [InlineData("gpu", "gpu")]   // a site's own type: kept literally
    [InlineData("", null)]       // no filter in the original: node rows (and rows without a type tag)
    public void The_originals_type_stays_the_type_filter(string type, string? expectedTag)
    {
        OriginalConfigImport.ScopeTagOf(type).ShouldBe(expectedTag);
        var scope = OriginalConfigImport.ScopeOf(type);
        var m = new MetricDefinition("x", "x", "x", "", scope, [], false, Aggregation.Mean, [Aggregation.Mean], null, null, [], ScopeTag: expectedTag);
        // The node view without node rows reads exactly the original's type (or node rows for node/unknown-empty types).
        MetricQueries.NodeViewType(m, Aggregation.Mean).ShouldBe(type.Length == 0 ? "node" : type);
    }

    [Fact]
    public void Devices_are_ordered_by_number()
    {
        new[] { "hwthread 10", "hwthread 2", "hwthread 1", "socket 0" }.Order(NaturalOrder.Instance)
            .ShouldBe(["hwthread 1", "hwthread 2", "hwthread 10", "socket 0"]);
    }

    [Fact]
    public void Percentiles_take_the_nearest_rank_like_influxql()
    {
        double[] v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        MetricStatisticsCalculator.Percentile(v, 0.95).ShouldBe(10); // rank round(9.5) = 10
        MetricStatisticsCalculator.Percentile(v, 0.25).ShouldBe(3);  // rank round(2.5) = 3 (halves round up)
        MetricStatisticsCalculator.Percentile([7.0], 0.25).ShouldBe(7); // rank round(0.25) = 0 → clamped to the one value
    }
}
