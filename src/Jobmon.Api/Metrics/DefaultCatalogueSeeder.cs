using Jobmon.Infrastructure;
using Jobmon.Influx;
using JasperFx.Events.Projections;
using Jobmon.Jobs;
using Marten;
using Wolverine.Marten;

namespace Jobmon.Metrics;

/// <summary>
/// cc-metric-collector's metrics under the names, units and scopes its collectors write (read from its source:
/// loadavg, cpustat, memstat, likwid, nvidia, ibstat, netstat), defined once when the catalogue is empty so a new
/// install shows charts. Values are converted to base units (kB → B, MByte → B, MFlops/s → FLOP/s); peaks are
/// examples
/// for a 2-socket node (76 hwthreads, 256 GiB, 4 GPUs) that partitions override for their hardware.
/// </summary>
public sealed class DefaultCatalogueSeeder(CatalogueStore catalogue) : IHostedService
{
    private static readonly Aggregation[] All = [Aggregation.Sum, Aggregation.Mean, Aggregation.Min, Aggregation.Max];
    private const double GiB = 1024d * 1024 * 1024;

    private static MetricDefinition Define(string name, string display, string unit, MetricScope scope,
        Aggregation defaultAggregation,
        double? peakPerNode, double? peakPerDevice, string[] categories, Aggregation? nodeRows = null, double scale =
            1, string? sourceUnit = null,
        bool counter = false) =>
        new(name, display, name, unit, scope, [], counter, defaultAggregation, All, peakPerNode, peakPerDevice,
            categories, nodeRows, scale, sourceUnit);

    public static readonly MetricDefinition[] Metrics =
    [
        // loadavg: node rows only.
        Define("load_one", "CPU load", "", MetricScope.Node, Aggregation.Mean, 76, null, ["CPU"]),
        // cpustat: percent per hwthread, and a node row that is the sum over all hwthreads (8 threads at 50 % → 400).
        Define("cpu_user", "CPU user", "%", MetricScope.Hwthread, Aggregation.Sum, 7600, 100, ["CPU"],
            nodeRows: Aggregation.Sum, sourceUnit: "Percent"),
        Define("cpu_system", "CPU system", "%", MetricScope.Hwthread, Aggregation.Sum, 7600, 100, ["CPU"],
            nodeRows: Aggregation.Sum, sourceUnit: "Percent"),
        Define("cpu_iowait", "CPU I/O wait", "%", MetricScope.Hwthread, Aggregation.Sum, 7600, 100, ["CPU"],
            nodeRows: Aggregation.Sum, sourceUnit: "Percent"),
        // likwid (default event sets): per hwthread or socket, with node totals (send_node_total_values).
        Define("flops_any", "FLOP rate (any)", "FLOP/s", MetricScope.Hwthread, Aggregation.Sum, 4e12, 5.3e10, ["CPU"],
            nodeRows: Aggregation.Sum, scale: 1e6, sourceUnit: "MFlops/s"),
        Define("flops_dp", "FLOP rate (DP)", "FLOP/s", MetricScope.Hwthread, Aggregation.Sum, 2e12, 2.6e10, ["CPU"],
            nodeRows: Aggregation.Sum, scale: 1e6, sourceUnit: "MFlops/s"),
        Define("mem_bw", "Memory bandwidth", "B/s", MetricScope.Socket, Aggregation.Sum, 3.5e11, 1.75e11, ["Memory"],
            nodeRows: Aggregation.Sum, scale: 1e6, sourceUnit: "MByte/s"),
        Define("cpu_power", "CPU power", "W", MetricScope.Socket, Aggregation.Sum, 700, 350, ["Energy"],
            nodeRows: Aggregation.Sum, sourceUnit: "Watt"),
        // memstat: node rows in kB (the NUMA rows, type=memoryDomain, only with numa_stats).
        Define("mem_used", "Memory used", "B", MetricScope.Node, Aggregation.Sum, 256 * GiB, null, ["Memory"],
            scale: 1024, sourceUnit: "kB"),
        // nvidia: per GPU (type=accelerator); no node rows.
        Define("nv_util", "GPU utilisation", "%", MetricScope.Accelerator, Aggregation.Mean, 100, 100, ["GPU"]),
        Define("nv_fb_mem_used", "GPU memory used", "B", MetricScope.Accelerator, Aggregation.Sum, 320 * GiB, 80 * GiB,
            ["GPU"], scale: 1024 * 1024, sourceUnit: "MByte"),
        Define("nv_power_usage", "GPU power", "W", MetricScope.Accelerator, Aggregation.Sum, 1600, 400,
            ["GPU", "Energy"], sourceUnit: "watts"),
        // ibstat and netstat: byte counters per device on type=node rows (device tags), summed per node as rates.
        Define("ib_recv", "InfiniBand receive", "B/s", MetricScope.Node, Aggregation.Sum, 2.5e10, null, ["Network"],
            sourceUnit: "bytes", counter: true),
        Define("ib_xmit", "InfiniBand transmit", "B/s", MetricScope.Node, Aggregation.Sum, 2.5e10, null, ["Network"],
            sourceUnit: "bytes", counter: true),
        Define("net_bytes_in", "Ethernet receive", "B/s", MetricScope.Node, Aggregation.Sum, 1.25e9, null, ["Network"],
            sourceUnit: "bytes", counter: true),
        Define("net_bytes_out", "Ethernet transmit", "B/s", MetricScope.Node, Aggregation.Sum, 1.25e9, null,
            ["Network"], sourceUnit: "bytes", counter: true),
    ];

    public async Task StartAsync(CancellationToken ct)
    {
        var current = await catalogue.LoadAsync(ct);
        if (current.Version > 0) return;
        try
        {
            await catalogue.AppendAsync(new EventContext("jobmon", Guid.NewGuid().ToString("N"), "default-catalogue"),
                ct,
                Metrics.Select(m => (object)new MetricDefined(m, "jobmon")).ToArray());
        }
        catch (Exception) { /* another replica seeded it first */ }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
