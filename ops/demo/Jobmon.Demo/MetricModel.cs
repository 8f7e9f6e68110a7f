using System.Globalization;
using Jobmon.Influx;

namespace Jobmon.Demo;

/// <summary>
/// Turns "what runs on this node" into the line protocol cc-metric-collector (v0.7.x, cc-lib v2.12 influxdb sink with
/// <c>"meta_as_tags": ["unit"]</c>) writes, read from its source (github.com/ClusterCockpit/cc-metric-collector):
/// <list type="bullet">
/// <item>one measurement per metric, one field <c>value</c>, nanosecond timestamps (the sink's encoder precision);</item>
/// <item>tags <c>cluster</c> (router <c>add_tags</c>), <c>hostname</c> (router, short host name), <c>type</c>, and
///   <c>type-id</c> for every scope but <c>node</c> (node rows have none); <c>unit</c> where the collector sets it
///   (cpustat as a tag, the others as meta that meta_as_tags turns into a tag; loadavg sends none);</item>
/// <item>each collector reads at the node's own ticker phase plus its own delay (likwid measures for the configured
///   duration first), so timestamps are neither aligned to the interval nor equal across nodes or collectors.</item>
/// </list>
/// The collector configuration this mirrors is in ops/demo/README.md (exclude_metrics keep the volume down).
/// Node model: 2 sockets × 16 cores (hwthreads 0-15 on socket 0, 16-31 on socket 1, no SMT), 256 GB; GPU nodes add
/// 4 accelerators with 40 GB each and 512 GB host memory. Peaks per socket: 1075 GFLOP/s (16 cores × 2.1 GHz × 32 DP
/// FLOP/cycle, 67,200 MFlops/s per hwthread), about 128 GB/s memory bandwidth, 150 W.
/// </summary>
public sealed class MetricModel(string cluster, TimeSpan interval)
{
    public const int HwThreads = Node.Sockets * Node.CoresPerSocket;

    private const double SocketIdlePower = 40;
    private const double SocketMaxPower = 150;
    private const double GpuIdlePower = 54;
    private const double GpuMaxPower = 400;
    private const double GpuMemoryMByte = 40960; // NVML reports MiB; nvidiaMetric.go divides bytes by 1024*1024 and calls it "MByte"
    private const string NetDevice = "eno1";
    private const string IbDevice = "mlx5_0";

    private readonly long _intervalNs = (long)interval.TotalMilliseconds * 1_000_000;

    /// <summary>likwid reads its counters for the configured "duration" (1 s, capped below the interval), then stamps.</summary>
    private long LikwidDelayNs => Math.Min(1_000_000_000L, _intervalNs / 2);

    /// <summary>
    /// Writes the points of one node for the tick that ends at <paramref name="tick"/>; returns how many. Every timestamp
    /// lies in (tick − interval, tick], so a sample never lies in the future of the tick that produced it.
    /// </summary>
    public int Write(LineProtocolWriter w, Node n, DateTimeOffset tick)
    {
        if (n.PhaseNs < 0)
        {
            var room = Math.Max(1, _intervalNs - LikwidDelayNs - 20_000_000);
            n.PhaseNs = (long)(n.Random.NextDouble() * room);
        }

        // The Go ticker fires at start + k·interval (plus scheduling jitter of a few µs).
        var tickNs = tick.ToUnixTimeMilliseconds() * 1_000_000 - _intervalNs + n.PhaseNs + n.Random.Next(3_000, 90_000);
        var job = n.Job is { } j && j.Start <= tick ? j : null;
        var activity = Activity(n, job, tick);
        var p = new Emitter(w, cluster, n.Name);

        Cpustat(p, n, activity, tickNs + n.Random.Next(200_000, 900_000));
        Loadavg(p, n, activity, tickNs + n.Random.Next(50_000, 200_000));
        Memstat(p, n, job, activity, tickNs + n.Random.Next(300_000, 1_500_000));
        Likwid(p, n, activity, tickNs + LikwidDelayNs + n.Random.Next(1_000_000, 4_000_000));
        Counters(p, n, activity, tickNs + n.Random.Next(100_000, 600_000));
        if (n.HasGpus) Nvidia(p, n, job, activity, tickNs + n.Random.Next(2_000_000, 9_000_000));
        return p.Count;
    }

    /// <summary>What the node's job does right now, from which every collector derives its values.</summary>
    private sealed record Work(
        double Load, int BusyThreads, double BusyUser, double BusySystem, double IoWait, double SocketGflops, double DpShare,
        double SocketGbs, double PowerActivity, double IbRate, double EthRate, double Ramp, double MemRamp, bool Dip);

    private Work Activity(Node n, Job? job, DateTimeOffset t)
    {
        var elapsed = job is null ? 0 : (t - job.Start).TotalSeconds;
        var rampSeconds = job is null ? 1 : Math.Clamp(job.Planned.TotalSeconds * 0.08, interval.TotalSeconds, 120);
        var ramp = job is null ? 1 : Math.Clamp(elapsed / rampSeconds, 0.1, 1);
        var memRamp = job is null ? 1 : Math.Clamp(elapsed / (3 * rampSeconds), 0.05, 1);
        // Short phases of low activity (checkpoint I/O, barriers, validation) every PhasePeriod intervals.
        var dip = job is not null && job.Profile != Profile.Idle
            && (long)(elapsed / interval.TotalSeconds) % job.PhasePeriod == job.PhasePeriod - 1;
        var f = job is null ? 1 : job.Intensity * n.JobFactor;
        var work = ramp * (dip ? 0.22 : 1);
        var multiNode = job is { NumNodes: > 1 };
        var fullNode = job is not null && job.TasksPerNode >= HwThreads;
        return job?.Profile switch
        {
            Profile.ComputeBound => new Work(job.TasksPerNode * ramp * 0.99, job.TasksPerNode, (dip ? 38 : 97) * ramp, dip ? 4 : 1.2,
                dip ? 25 : 0.1, 900 * f * work * (fullNode ? 1 : 0.12), 0.93, 45 * f * work, 0.85 * f * (dip ? 0.55 : ramp),
                multiNode ? 0.5e9 * f * work : 2e6, 1.5e6, ramp, memRamp, dip),
            Profile.MemoryBound => new Work(job.TasksPerNode * ramp * 0.98, job.TasksPerNode, (dip ? 35 : 94) * ramp, dip ? 5 : 2.5,
                dip ? 30 : 0.2, 95 * f * work, 0.88, Math.Min(118, 104 * (0.85 + 0.15 * f) * work), 0.7 * f * (dip ? 0.55 : ramp),
                multiNode ? 1.6e9 * f * work : 2e6, 4e6, ramp, memRamp, dip),
            Profile.Idle => new Work(0.15 + 0.5 * job.Intensity, 1, 2.5 * job.Intensity, 0.8, 0, 0.08, 0.5, 0.4, 0.03, 4e3, 3e4,
                ramp, memRamp, false),
            Profile.GpuTraining => new Work((job.TasksPerNode + 10 * job.Intensity) * ramp, job.TasksPerNode + (int)Math.Round(10 * job.Intensity),
                85 * ramp, 8, dip ? 12 : 1.5, 45 * f * work, 0.35, 22 * f * work, 0.35 * (dip ? 0.6 : ramp),
                multiNode ? 6e9 * f * work : 3e6, 1.6e8 * f * ramp /* the training set from NFS */, ramp, memRamp, dip),
            Profile.GpuIdle => new Work(1.2, 1, 3, 1, 0.1, 0.6, 0.5, 1.2, 0.07, 1e4, 1e5, ramp, memRamp, false),
            _ => new Work(0.12, 0, 0, 0, 0, 0.05, 0.5, 0.25, 0, 2e3, 6e3, ramp, memRamp, false),
        };
    }

    /// <summary>
    /// Tasks are spread over the sockets in turn (SLURM's default block:cyclic): hwthread 0, 16, 1, 17, …
    /// Returns whether hwthread <paramref name="h"/> runs one of the first <paramref name="busy"/> tasks.
    /// </summary>
    private static bool IsBusy(int h, int busy)
    {
        var socket = h / Node.CoresPerSocket;
        var core = h % Node.CoresPerSocket;
        return core * Node.Sockets + socket < busy;
    }

    /// <summary>
    /// collectors/cpustatMetric.go: /proc/stat's "cpu" line with tags {type=node} and every "cpuN" line with
    /// {type=hwthread, type-id=N}; value = jiffies/s / CLK_TCK × 100, so the node row is the SUM over all hwthreads
    /// (0-3200 % here); unit "Percent" added as a TAG (y.AddTag). cpu_used = all sent states but idle. num_cpus: node, no unit.
    /// Config mirrored: exclude_metrics cpu_nice, cpu_irq, cpu_softirq, cpu_steal, cpu_guest, cpu_guest_nice.
    /// </summary>
    private void Cpustat(Emitter p, Node n, Work a, long ns)
    {
        string[] names = ["cpu_user", "cpu_system", "cpu_iowait", "cpu_idle", "cpu_used"];
        var node = new double[names.Length];
        var rows = new double[HwThreads][];
        for (var h = 0; h < HwThreads; h++)
        {
            double user, system, iowait;
            if (IsBusy(h, a.BusyThreads))
            {
                user = Math.Clamp(a.BusyUser + 1.2 * Gauss(n), 0, 100);
                system = Math.Clamp(a.BusySystem + 0.3 * Gauss(n), 0, 100 - user);
                iowait = Math.Clamp(a.IoWait * (0.7 + 0.6 * n.Random.NextDouble()), 0, 100 - user - system);
            }
            else
            {
                // Daemons, the collector itself: a fraction of a percent.
                user = 0.05 + 0.3 * n.Random.NextDouble();
                system = 0.05 + 0.2 * n.Random.NextDouble();
                iowait = n.Random.NextDouble() < 0.05 ? 0.1 : 0;
            }

            // Jiffies are integers: /proc/stat at CLK_TCK 100 over 10 s moves in steps of 0.1 %.
            user = Jiffies(user);
            system = Jiffies(system);
            iowait = Jiffies(iowait);
            var idle = Math.Max(0, Jiffies(100 - user - system - iowait));
            rows[h] = [user, system, iowait, idle, user + system + iowait];
            for (var i = 0; i < names.Length; i++) node[i] += rows[h][i];
        }

        for (var i = 0; i < names.Length; i++)
        {
            p.Node(names[i], "Percent", node[i], ns);
            for (var h = 0; h < HwThreads; h++) p.Device(names[i], "hwthread", h, "Percent", rows[h][i], ns);
        }

        p.NodeInteger("num_cpus", null, HwThreads, ns);
    }

    private double Jiffies(double percent)
    {
        var step = 100.0 / (100 * interval.TotalSeconds);
        return Math.Round(Math.Round(percent / step) * step, 6);
    }

    /// <summary>
    /// collectors/loadavgMetric.go: /proc/loadavg, tags {type=node}, no unit. load_one/five/fifteen are the kernel's
    /// exponentially damped averages (1, 5, 15 min); proc_run/proc_total are integers (runnable / all tasks).
    /// </summary>
    private void Loadavg(Emitter p, Node n, Work a, long ns)
    {
        var target = Value(n, "load", a.Load, 0.03, 0.05, 0, 400);
        var one = Damp(n, "load_one", target, 60);
        var five = Damp(n, "load_five", target, 300);
        var fifteen = Damp(n, "load_fifteen", target, 900);
        p.Node("load_one", null, Math.Round(one, 2), ns);
        p.Node("load_five", null, Math.Round(five, 2), ns);
        p.Node("load_fifteen", null, Math.Round(fifteen, 2), ns);
        p.NodeInteger("proc_run", null, 1 + (long)Math.Round(target), ns);
        p.NodeInteger("proc_total", null, 820 + 3L * a.BusyThreads + n.Random.Next(0, 12), ns);
    }

    private double Damp(Node n, string key, double target, double seconds)
    {
        var e = Math.Exp(-interval.TotalSeconds / seconds);
        var next = n.State.TryGetValue(key, out var previous) ? previous * e + target * (1 - e) : target;
        n.State[key] = next;
        return next;
    }

    /// <summary>
    /// collectors/memstatMetric.go: /proc/meminfo with its unit "kB" (as meta → unit tag), tags {type=node}
    /// (numa_stats off by default). mem_used = MemTotal − MemFree − Buffers − Cached − Shmem.
    /// Config mirrored: only mem_total, mem_free, mem_buffers, mem_cached, mem_available and mem_used are kept.
    /// </summary>
    private void Memstat(Emitter p, Node n, Job? job, Work a, long ns)
    {
        const double kbPerGb = 1024 * 1024; // meminfo's "kB" are KiB
        var total = Math.Round(n.MemoryGb * kbPerGb * 0.985);
        var usedGb = (n.HasGpus ? 6.5 : 3.8) + (job is null ? 0 : job.MemFraction * n.MemoryGb * a.MemRamp);
        var used = Math.Round(Value(n, "mem", usedGb, 0.01, 0.05, 1, n.MemoryGb * 0.95) * kbPerGb);
        var buffers = Math.Round((0.3 + 0.05 * n.Random.NextDouble()) * kbPerGb);
        var cached = Math.Round(Value(n, "cache", job is null ? 2.5 : 6 + 14 * a.Ramp, 0.02, 0.1, 0.5, 40) * kbPerGb);
        var shmem = Math.Round(0.2 * kbPerGb);
        var free = Math.Max(0, total - used - buffers - cached - shmem);
        // Each memstat value gets its own time.Now() (lp.NewMetric(..., time.Now())): a few µs apart.
        p.Node("mem_total", "kB", total, ns);
        p.Node("mem_free", "kB", free, ns + 2_000);
        p.Node("mem_buffers", "kB", buffers, ns + 4_000);
        p.Node("mem_cached", "kB", cached, ns + 6_000);
        p.Node("mem_available", "kB", free + buffers + Math.Round(cached * 0.9), ns + 8_000);
        p.Node("mem_used", "kB", total - free - buffers - cached - shmem, ns + 10_000);
    }

    /// <summary>
    /// collectors/likwidMetric.go with the event sets of collectors/likwidMetric.md: flops_any and flops_dp are
    /// hwthread metrics ({type=hwthread, type-id=N}) with send_socket_total_values and send_node_total_values, so each
    /// also has a socket row per socket = the SUM of its hwthreads and a node row ({type=node}, no type-id) = the SUM of
    /// all hwthreads; mem_bw and cpu_power are socket metrics with send_node_total_values (node row = sum of the
    /// sockets). Rows in the collector's order: devices, socket totals, node total. Units are the site's config
    /// strings: "MFlops/s", "Mbyte/s", "Watt" as in likwidMetric.md's example.
    /// </summary>
    private void Likwid(Emitter p, Node n, Work a, long ns)
    {
        var busy = Math.Max(1, a.BusyThreads);
        var any = new double[HwThreads];
        var dp = new double[HwThreads];
        var socketAny = new double[Node.Sockets];
        var socketDp = new double[Node.Sockets];
        for (var h = 0; h < HwThreads; h++)
        {
            var mflops = IsBusy(h, a.BusyThreads)
                ? Value(n, "flops" + h.ToString(CultureInfo.InvariantCulture), a.SocketGflops * Node.Sockets * 1000 / busy, 0.05, 0.5, 0, 67_200)
                : 0.5 + 20 * n.Random.NextDouble();
            any[h] = Math.Round(mflops, 3);
            dp[h] = Math.Round(mflops * a.DpShare, 3);
            socketAny[h / Node.CoresPerSocket] += any[h];
            socketDp[h / Node.CoresPerSocket] += dp[h];
        }

        for (var h = 0; h < HwThreads; h++) p.Device("flops_any", "hwthread", h, "MFlops/s", any[h], ns);
        for (var s = 0; s < Node.Sockets; s++) p.Device("flops_any", "socket", s, "MFlops/s", socketAny[s], ns);
        p.Node("flops_any", "MFlops/s", any.Sum(), ns);
        for (var h = 0; h < HwThreads; h++) p.Device("flops_dp", "hwthread", h, "MFlops/s", dp[h], ns);
        for (var s = 0; s < Node.Sockets; s++) p.Device("flops_dp", "socket", s, "MFlops/s", socketDp[s], ns);
        p.Node("flops_dp", "MFlops/s", dp.Sum(), ns);
        var bw = new double[Node.Sockets];
        var power = new double[Node.Sockets];
        for (var s = 0; s < Node.Sockets; s++)
        {
            var key = s.ToString(CultureInfo.InvariantCulture);
            bw[s] = Math.Round(Value(n, "bw" + key, a.SocketGbs, 0.06, 0.1, 0, 128) * 1000, 3);
            var target = SocketIdlePower + (SocketMaxPower - SocketIdlePower) * a.PowerActivity;
            power[s] = Math.Round(Value(n, "power" + key, target, 0.03, 1.5, 20, 160), 3);
        }

        for (var s = 0; s < Node.Sockets; s++) p.Device("mem_bw", "socket", s, "Mbyte/s", bw[s], ns);
        p.Node("mem_bw", "Mbyte/s", bw.Sum(), ns);
        for (var s = 0; s < Node.Sockets; s++) p.Device("cpu_power", "socket", s, "Watt", power[s], ns);
        p.Node("cpu_power", "Watt", power.Sum(), ns);
    }

    /// <summary>
    /// collectors/netstatMetric.go (include_devices [eno1], send_derived_values true): absolute int64 counters in
    /// "bytes"/"packets" plus *_bw rates in "bytes/sec"/"packets/sec" from the second read on; tags
    /// {type=node, stype=network, stype-id=eno1}.
    /// collectors/infinibandMetric.go (send_abs_values false, send_derived_values true): ib_recv_bw, ib_xmit_bw
    /// ("bytes/sec") and ib_recv_pkts_bw, ib_xmit_pkts_bw ("packets/sec"), tags {type=node, device, port, lid}.
    /// Its absolute counters are uint64, which the line protocol writes as "123u" and InfluxDB 1.x rejects (the whole
    /// batch), so the demo's collector sends only the rates: the configuration a site with InfluxDB 1.x needs.
    /// </summary>
    private void Counters(Emitter p, Node n, Work a, long ns)
    {
        var seconds = n.LastCounterReadNs == 0 ? interval.TotalSeconds : (ns - n.LastCounterReadNs) / 1e9;
        var first = n.LastCounterReadNs == 0;
        n.LastCounterReadNs = ns;
        // Log-normal noise: the rate wanders by ±25 % but never reaches zero.
        var ethIn = a.EthRate * Math.Exp(0.25 * Noise(n, "eth") - 0.03);
        var ethOut = 0.3 * ethIn + 2e3;
        var ibIn = a.IbRate * Math.Exp(0.25 * Noise(n, "ib") - 0.03);
        var ibOut = ibIn * (0.9 + 0.2 * n.Random.NextDouble());
        string[] netTags = ["stype", "network", "stype-id", NetDevice];
        var counters = new (string Name, double Rate, string Unit, string RateUnit, double PacketSize)[]
        {
            ("net_bytes_in", ethIn, "bytes", "bytes/sec", 1),
            ("net_pkts_in", ethIn, "packets", "packets/sec", 1200),
            ("net_bytes_out", ethOut, "bytes", "bytes/sec", 1),
            ("net_pkts_out", ethOut, "packets", "packets/sec", 900),
        };
        foreach (var c in counters)
        {
            // Counters since boot: a random "uptime" worth at the first read.
            if (!n.State.TryGetValue(c.Name, out var before)) before = Math.Round((1e8 + n.Random.NextDouble() * 5e10) / c.PacketSize);
            var now = before + Math.Round(c.Rate * seconds / c.PacketSize);
            n.State[c.Name] = now;
            p.NodeInteger(c.Name, c.Unit, (long)now, ns, netTags);
            if (!first) p.Node(c.Name + "_bw", c.RateUnit, (now - before) / seconds, ns, netTags);
        }

        if (first) return;
        string[] ibTags = ["device", IbDevice, "port", "1", "lid", "0x" + (n.Index + 2).ToString("x", CultureInfo.InvariantCulture)];
        // port_rcv_data counts 4-byte words: the collector multiplies by four (scaleByFourLanes), so rates are multiples of 4.
        p.Node("ib_recv_bw", "bytes/sec", Math.Round(ibIn * seconds / 4) * 4 / seconds, ns, ibTags);
        p.Node("ib_xmit_bw", "bytes/sec", Math.Round(ibOut * seconds / 4) * 4 / seconds, ns, ibTags);
        p.Node("ib_recv_pkts_bw", "packets/sec", Math.Round(ibIn * seconds / 4096) / seconds, ns, ibTags);
        p.Node("ib_xmit_pkts_bw", "packets/sec", Math.Round(ibOut * seconds / 4096) / seconds, ns, ibTags);
    }

    /// <summary>
    /// collectors/nvidiaMetric.go: tags {type=accelerator, type-id=&lt;NVML index&gt;} (use_pci_info_as_type_id off);
    /// nv_util and nv_mem_util "%", nv_fb_mem_total/used "MByte" (MiB), nv_power_usage "watts" (mW / 1000),
    /// nv_temp "degC"; each read with its own time.Now().
    /// </summary>
    private static void Nvidia(Emitter p, Node n, Job? job, Work a, long ns)
    {
        for (var g = 0; g < Node.Gpus; g++)
        {
            var key = g.ToString(CultureInfo.InvariantCulture);
            double util, memMb;
            switch (job?.Profile)
            {
                case Profile.GpuTraining:
                    util = (a.Dip ? 45 : 94) * (0.88 + 0.12 * job.Intensity) * a.Ramp;
                    memMb = (27 + 10 * job.Intensity) * 1024 * Math.Min(1, 2 * a.MemRamp);
                    break;
                case Profile.GpuIdle when g == 0:
                    // Someone pokes at GPU 0 now and then; the other three stay idle all along.
                    util = n.Random.NextDouble() < 0.25 ? 25 + 50 * n.Random.NextDouble() : 0.5;
                    memMb = (2 + 6 * job.Intensity) * 1024;
                    break;
                case Profile.GpuIdle:
                    util = 0;
                    memMb = 460; // CUDA context
                    break;
                default:
                    util = 0;
                    memMb = 0;
                    break;
            }

            // NVML reports whole percents and whole MiB (bytes / 2^20 as float, here always whole).
            var u = Math.Round(Value(n, "gutil" + key, util, 0.03, util > 1 ? 1.5 : 0, 0, 100));
            var gpuNs = ns + g * 150_000;
            p.Device("nv_fb_mem_total", "accelerator", g, "MByte", GpuMemoryMByte, gpuNs);
            p.Device("nv_fb_mem_used", "accelerator", g, "MByte", Math.Round(Value(n, "gmem" + key, memMb, 0.01, 0, 0, GpuMemoryMByte)), gpuNs + 3_000);
            p.Device("nv_util", "accelerator", g, "%", u, gpuNs + 9_000);
            p.Device("nv_mem_util", "accelerator", g, "%", Math.Round(u * 0.6), gpuNs + 9_000);
            p.Device("nv_temp", "accelerator", g, "degC", Math.Round(34 + 0.45 * u + n.Random.NextDouble()), gpuNs + 14_000);
            var power = GpuIdlePower + (GpuMaxPower - GpuIdlePower) * 0.95 * u / 100;
            p.Device("nv_power_usage", "accelerator", g, "watts", Math.Round(Value(n, "gpower" + key, power, 0.03, 1, 40, GpuMaxPower), 3), gpuNs + 21_000);
        }
    }

    /// <summary>Writes points with the tags the router and sink add: cluster, hostname; counts them.</summary>
    private sealed class Emitter(LineProtocolWriter w, string cluster, string hostname)
    {
        public int Count { get; private set; }

        public void Node(string name, string? unit, double value, long ns, string[]? extra = null) =>
            Start(name, "node", null, unit, extra).Field("value", value).Timestamp(ns);

        public void NodeInteger(string name, string? unit, long value, long ns, string[]? extra = null) =>
            Start(name, "node", null, unit, extra).Field("value", value).Timestamp(ns);

        public void Device(string name, string type, int typeId, string unit, double value, long ns) =>
            Start(name, type, typeId.ToString(CultureInfo.InvariantCulture), unit, null).Field("value", value).Timestamp(ns);

        private LineProtocolWriter Start(string name, string type, string? typeId, string? unit, string[]? extra)
        {
            Count++;
            w.Point(name).Tag("cluster", cluster).Tag("hostname", hostname).Tag("type", type);
            if (typeId is not null) w.Tag("type-id", typeId);
            if (unit is not null) w.Tag("unit", unit);
            for (var i = 0; extra is not null && i + 1 < extra.Length; i += 2) w.Tag(extra[i], extra[i + 1]);
            return w;
        }
    }

    /// <summary>Target plus smooth noise (relative and absolute parts), clamped to the hardware's range.</summary>
    private static double Value(Node n, string key, double target, double relative, double absolute, double min, double max) =>
        Math.Clamp(target + (target * relative + absolute) * Noise(n, key), min, max);

    private static double Gauss(Node n)
    {
        var u1 = 1 - n.Random.NextDouble();
        var u2 = n.Random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>AR(1) noise with unit variance: follows its previous value, so charts wander instead of jumping.</summary>
    private static double Noise(Node n, string key)
    {
        const double phi = 0.75;
        var previous = n.Noise.GetValueOrDefault(key);
        var next = phi * previous + Math.Sqrt(1 - phi * phi) * Gauss(n);
        n.Noise[key] = next;
        return next;
    }
}
