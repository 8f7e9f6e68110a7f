using System.Globalization;
using Jobmon.Influx;

namespace Jobmon.Demo;

/// <summary>
/// Turns "what runs on this node" into cc-metric-collector-shaped points: one measurement per metric, field <c>value</c>,
/// tags <c>cluster</c>, <c>hostname</c>, <c>type</c> (node, socket, accelerator), <c>type-id</c> and <c>unit</c>.
/// Node model: 2 sockets × 38 cores (peak ≈ 2.9 TFLOP/s, ≈ 200 GB/s and 270 W per socket), 256 GB; GPU nodes add
/// 4 accelerators with 40 GB each and 512 GB host memory.
/// </summary>
public sealed class MetricModel(string cluster, TimeSpan interval)
{
    /// <summary>Series per CPU node and extra series per GPU node (for volume estimates).</summary>
    public const int SeriesPerNode = 4 + 4 * Node.Sockets;
    public const int SeriesPerGpuNode = 3 * Node.Gpus;

    private const double SocketIdlePower = 72;
    private const double SocketMaxPower = 270;
    private const double GpuIdlePower = 54;
    private const double GpuMaxPower = 400;
    private const double GpuMemoryGb = 40;

    /// <summary>Writes the points of one node at time <paramref name="t"/>; returns how many.</summary>
    public int Write(LineProtocolWriter w, Node n, DateTimeOffset t)
    {
        var ts = t.ToUnixTimeSeconds();
        var job = n.Job is { } j && j.Start <= t ? j : null;
        var elapsed = job is null ? 0 : (t - job.Start).TotalSeconds;
        var rampSeconds = job is null ? 1 : Math.Clamp(job.Planned.TotalSeconds * 0.08, interval.TotalSeconds, 120);
        var ramp = job is null ? 1 : Math.Clamp(elapsed / rampSeconds, 0.1, 1);
        var memRamp = job is null ? 1 : Math.Clamp(elapsed / (3 * rampSeconds), 0.05, 1);
        // Short phases of low activity (checkpoint I/O, barriers, validation) every PhasePeriod intervals.
        var dip = job is not null && job.Profile != Profile.Idle
            && (long)(elapsed / interval.TotalSeconds) % job.PhasePeriod == job.PhasePeriod - 1;
        var f = job is null ? 1 : job.Intensity * n.JobFactor;
        var work = ramp * (dip ? 0.22 : 1);

        // Targets per profile: load (node), user % / GB/s / GFLOP/s / power activity 0-1 (per socket), host memory,
        // InfiniBand and Ethernet receive rates (bytes/s).
        var multiNode = job is { NumNodes: > 1 };
        double load, user, bw, flops, activity, ibRate, ethRate;
        switch (job?.Profile)
        {
            case Profile.ComputeBound:
                load = job.TasksPerNode * ramp * 0.99;
                user = 96 * Math.Min(1, job.TasksPerNode / (double)(Node.Sockets * Node.CoresPerSocket)) * ramp;
                bw = 45 * f * work;
                flops = 1250 * f * work * (job.TasksPerNode >= Node.Sockets * Node.CoresPerSocket ? 1 : 0.12);
                activity = 0.85 * f * (dip ? 0.55 : ramp);
                ibRate = multiNode ? 0.5e9 * f * work : 2e6;
                ethRate = 1.5e6;
                break;
            case Profile.MemoryBound:
                load = job.TasksPerNode * ramp * 0.98;
                user = 93 * Math.Min(1, job.TasksPerNode / (double)(Node.Sockets * Node.CoresPerSocket)) * ramp;
                bw = Math.Min(196, 172 * (0.85 + 0.15 * f) * work);
                flops = 95 * f * work;
                activity = 0.7 * f * (dip ? 0.55 : ramp);
                ibRate = multiNode ? 1.6e9 * f * work : 2e6;
                ethRate = 4e6;
                break;
            case Profile.Idle:
                load = 0.15 + 0.5 * job.Intensity;
                user = 0.4;
                bw = 0.4;
                flops = 0.08;
                activity = 0.03;
                ibRate = 4e3;
                ethRate = 3e4;
                break;
            case Profile.GpuTraining:
                load = (job.TasksPerNode + 10 * job.Intensity) * ramp;
                user = 100 * load / (Node.Sockets * Node.CoresPerSocket);
                bw = 22 * f * work;
                flops = 45 * f * work;
                activity = 0.35 * (dip ? 0.6 : ramp);
                ibRate = multiNode ? 6e9 * f * work : 3e6;
                ethRate = 1.6e8 * f * ramp; // reading the training set from NFS
                break;
            case Profile.GpuIdle:
                load = 1.2;
                user = 1.6;
                bw = 1.2;
                flops = 0.6;
                activity = 0.07;
                ibRate = 1e4;
                ethRate = 1e5;
                break;
            default: // no job
                load = 0.12;
                user = 0.3;
                bw = 0.25;
                flops = 0.05;
                activity = 0;
                ibRate = 2e3;
                ethRate = 6e3;
                break;
        }

        var points = 0;
        Point(w, "cpu_load", n, "node", 0, "load", Value(n, "load", load, 0.03, 0.05, 0, 400), ts, ref points);
        var memBase = n.HasGpus ? 6.5 : 3.8;
        var mem = memBase + (job is null ? 0 : job.MemFraction * n.MemoryGb * memRamp);
        Point(w, "mem_used", n, "node", 0, "GB", Value(n, "mem", mem, 0.01, 0.05, 1, n.MemoryGb * 0.98), ts, ref points);
        for (var s = 0; s < Node.Sockets; s++)
        {
            var key = s.ToString(CultureInfo.InvariantCulture);
            Point(w, "cpu_user", n, "socket", s, "%", Value(n, "user" + key, user, 0.02, 0.3, 0, 100), ts, ref points);
            Point(w, "mem_bw", n, "socket", s, "GB/s", Value(n, "bw" + key, bw, 0.06, 0.1, 0, 204), ts, ref points);
            Point(w, "flops_any", n, "socket", s, "GFLOP/s", Value(n, "flops" + key, flops, 0.08, 0.05, 0, 2900), ts, ref points);
            var power = SocketIdlePower + (SocketMaxPower - SocketIdlePower) * activity;
            Point(w, "cpu_power", n, "socket", s, "W", Value(n, "power" + key, power, 0.03, 1.5, 40, 280), ts, ref points);
        }

        // Counters: monotonically increasing bytes since boot (a random uptime's worth at start).
        if (n.IbRecvBytes == 0) n.IbRecvBytes = Math.Round(1e9 + n.Random.NextDouble() * 5e11);
        if (n.NetRecvBytes == 0) n.NetRecvBytes = Math.Round(1e8 + n.Random.NextDouble() * 5e10);
        // Log-normal noise: the rate wanders by ±25 % but never reaches zero.
        n.IbRecvBytes += Math.Round(ibRate * Math.Exp(0.25 * Noise(n, "ib") - 0.03) * interval.TotalSeconds);
        n.NetRecvBytes += Math.Round(ethRate * Math.Exp(0.25 * Noise(n, "eth") - 0.03) * interval.TotalSeconds);
        Point(w, "ib_recv", n, "node", 0, "bytes", n.IbRecvBytes, ts, ref points);
        Point(w, "net_bytes_in", n, "node", 0, "bytes", n.NetRecvBytes, ts, ref points);

        if (n.HasGpus)
        {
            for (var g = 0; g < Node.Gpus; g++)
            {
                var key = g.ToString(CultureInfo.InvariantCulture);
                double util, gmem;
                switch (job?.Profile)
                {
                    case Profile.GpuTraining:
                        util = (dip ? 45 : 94) * (0.88 + 0.12 * job.Intensity) * ramp;
                        gmem = (27 + 10 * job.Intensity) * Math.Min(1, 2 * memRamp);
                        break;
                    case Profile.GpuIdle when g == 0:
                        // Someone pokes at GPU 0 now and then; the other three stay idle all along.
                        util = n.Random.NextDouble() < 0.25 ? 25 + 50 * n.Random.NextDouble() : 0.5;
                        gmem = 2 + 6 * job.Intensity;
                        break;
                    case Profile.GpuIdle:
                        util = 0;
                        gmem = 0.45; // CUDA context
                        break;
                    default:
                        util = 0;
                        gmem = 0;
                        break;
                }

                var u = Value(n, "gutil" + key, util, 0.03, util > 1 ? 1.5 : 0, 0, 100);
                Point(w, "acc_utilization", n, "accelerator", g, "%", u, ts, ref points);
                Point(w, "acc_mem_used", n, "accelerator", g, "GB", Value(n, "gmem" + key, gmem, 0.01, 0, 0, GpuMemoryGb), ts, ref points);
                var gpower = GpuIdlePower + (GpuMaxPower - GpuIdlePower) * 0.95 * u / 100;
                Point(w, "acc_power", n, "accelerator", g, "W", Value(n, "gpower" + key, gpower, 0.03, 1, 40, GpuMaxPower), ts, ref points);
            }
        }

        return points;
    }

    private void Point(LineProtocolWriter w, string measurement, Node n, string type, int typeId, string unit, double value, long ts, ref int count)
    {
        w.Point(measurement)
            .Tag("cluster", cluster)
            .Tag("hostname", n.Name)
            .Tag("type", type)
            .Tag("type-id", typeId.ToString(CultureInfo.InvariantCulture))
            .Tag("unit", unit)
            .Field("value", Math.Round(value, 3))
            .Timestamp(ts);
        count++;
    }

    /// <summary>Target plus smooth noise (relative and absolute parts), clamped to the hardware's range.</summary>
    private static double Value(Node n, string key, double target, double relative, double absolute, double min, double max) =>
        Math.Clamp(target + (target * relative + absolute) * Noise(n, key), min, max);

    /// <summary>AR(1) noise with unit variance: follows its previous value, so charts wander instead of jumping.</summary>
    private static double Noise(Node n, string key)
    {
        const double phi = 0.75;
        var previous = n.Noise.GetValueOrDefault(key);
        var u1 = 1 - n.Random.NextDouble();
        var u2 = n.Random.NextDouble();
        var gauss = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        var next = phi * previous + Math.Sqrt(1 - phi * phi) * gauss;
        n.Noise[key] = next;
        return next;
    }
}
