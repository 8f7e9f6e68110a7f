using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <summary>
/// Series on a regular time grid: one row per label (node or device), one column per window of <see cref="Interval"/>
/// seconds starting at <see cref="StartMs"/>, the job's start (windows are anchored there, as
/// <see cref="MetricQueries.TimeWindows"/> makes InfluxDB's), NaN where a window has no sample. Values are doubles in
/// memory and float32 in the archive.
/// </summary>
public sealed class SeriesGrid(long interval, long startMs, int count, string[] labels, double[] values)
{
    public long Interval { get; } = interval;
    public long StartMs { get; } = startMs;
    public int Count { get; } = count;
    public string[] Labels { get; } = labels;
    public double[] Values { get; } = values;

    public static SeriesGrid Empty(long interval, DateTimeOffset from, DateTimeOffset to, string[] labels)
    {
        var start = from.ToUnixTimeMilliseconds();
        var count = (int)((to.ToUnixTimeMilliseconds() - start) / (interval * 1000)) + 1;
        var values = new double[labels.Length * count];
        Array.Fill(values, double.NaN);
        return new SeriesGrid(interval, start, count, labels, values);
    }

    /// <summary>Places InfluxDB's rows (window start times) into the grid; rows outside it are ignored.</summary>
    public static SeriesGrid From(IReadOnlyList<(string Label, IReadOnlyList<InfluxPoint> Points)> series, long interval, DateTimeOffset from, DateTimeOffset to)
    {
        var grid = Empty(interval, from, to, series.Select(s => s.Label).ToArray());
        for (var row = 0; row < series.Count; row++)
            foreach (var p in series[row].Points)
            {
                var i = (p.Time.ToUnixTimeMilliseconds() - grid.StartMs) / (interval * 1000);
                if (i >= 0 && i < grid.Count && p.Value is { } v) grid.Values[row * grid.Count + i] = v;
            }
        return grid;
    }

    public long TimeMs(int i) => StartMs + i * Interval * 1000;
    public double this[int row, int i] => Values[row * Count + i];
    public int Row(string label) => Array.IndexOf(Labels, label);

    /// <summary>The same series on a coarser grid (a multiple of <see cref="Interval"/>, same anchor): the mean of the
    /// finer windows in each coarser window. Exact where the finer windows hold equal numbers of samples (all but a
    /// job's last, partial window).</summary>
    public SeriesGrid Resample(long interval)
    {
        if (interval == Interval) return this;
        if (interval % Interval != 0) throw new ArgumentException($"{interval} s is not a multiple of {Interval} s.", nameof(interval));
        var start = StartMs;
        var count = (int)((TimeMs(Count - 1) - start) / (interval * 1000)) + 1;
        var values = new double[Labels.Length * count];
        for (var row = 0; row < Labels.Length; row++)
        {
            var sums = new double[count];
            var n = new int[count];
            for (var i = 0; i < Count; i++)
            {
                var v = this[row, i];
                if (double.IsNaN(v)) continue;
                var j = (int)((TimeMs(i) - start) / (interval * 1000));
                sums[j] += v;
                n[j]++;
            }
            for (var j = 0; j < count; j++) values[row * count + j] = n[j] > 0 ? sums[j] / n[j] : double.NaN;
        }
        return new SeriesGrid(interval, start, count, Labels, values);
    }

    /// <summary>The rows as API series: only windows with a value (InfluxDB's fill(none)).</summary>
    public SeriesData ToSeries(int row, string? label = null)
    {
        var times = new List<long>();
        var values = new List<double?>();
        for (var i = 0; i < Count; i++)
            if (!double.IsNaN(this[row, i])) { times.Add(TimeMs(i)); values.Add(this[row, i]); }
        return new SeriesData(label ?? Labels[row], times.ToArray(), values.ToArray());
    }

    public void Write(BinaryWriter w)
    {
        w.Write(Interval); w.Write(StartMs); w.Write(Count); w.Write(Labels.Length);
        foreach (var l in Labels) w.Write(l);
        foreach (var v in Values) w.Write((float)v);
    }

    public static SeriesGrid Read(BinaryReader r)
    {
        var interval = r.ReadInt64(); var start = r.ReadInt64(); var count = r.ReadInt32();
        var labels = new string[r.ReadInt32()];
        for (var i = 0; i < labels.Length; i++) labels[i] = r.ReadString();
        var values = new double[labels.Length * count];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadSingle();
        return new SeriesGrid(interval, start, count, labels, values);
    }
}

/// <summary>One metric in the archive: per-node series at the fine interval (devices combined with the metric's default
/// aggregation) and, for scopes with few devices, each node's per-device series at the default interval.</summary>
public sealed record ArchivedMetric(string Name, Aggregation Aggregation, SeriesGrid Nodes, Dictionary<string, SeriesGrid> Devices);

/// <summary>What the job page needs of a finished job, taken from InfluxDB once at job end.</summary>
public sealed record ArchiveContent(DateTimeOffset From, DateTimeOffset To, long Interval, long FineInterval, IReadOnlyList<ArchivedMetric> Metrics)
{
    private const string Magic = "JMA";

    public byte[] Compress()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize))
        using (var w = new BinaryWriter(gzip, Encoding.UTF8))
        {
            w.Write(Magic); w.Write(JobMetricArchive.CurrentFormat);
            w.Write(From.ToUnixTimeMilliseconds()); w.Write(To.ToUnixTimeMilliseconds()); w.Write(Interval); w.Write(FineInterval);
            w.Write(Metrics.Count);
            foreach (var m in Metrics)
            {
                w.Write(m.Name); w.Write((int)m.Aggregation);
                m.Nodes.Write(w);
                w.Write(m.Devices.Count);
                foreach (var (node, grid) in m.Devices) { w.Write(node); grid.Write(w); }
            }
        }
        return buffer.ToArray();
    }

    public static ArchiveContent Decompress(byte[] compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var r = new BinaryReader(gzip, Encoding.UTF8);
        if (r.ReadString() != Magic) throw new InvalidDataException("not a Jobmon metric archive.");
        var format = r.ReadInt32();
        if (format != 2) throw new InvalidDataException($"unknown archive format {format}.");
        var from = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
        var to = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
        var interval = r.ReadInt64();
        var fine = r.ReadInt64();
        var metrics = new List<ArchivedMetric>();
        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var name = r.ReadString();
            var aggregation = (Aggregation)r.ReadInt32();
            var nodes = SeriesGrid.Read(r);
            var devices = new Dictionary<string, SeriesGrid>();
            for (var d = r.ReadInt32(); d > 0; d--) devices[r.ReadString()] = SeriesGrid.Read(r);
            metrics.Add(new ArchivedMetric(name, aggregation, nodes, devices));
        }
        return new ArchiveContent(from, to, interval, fine, metrics);
    }
}

/// <summary>
/// The job's metric series kept in PostgreSQL: written at job end, read by the job page of every finished job (InfluxDB
/// is asked only for what the archive lacks). Format 2: gzip of float32 grids (<see cref="ArchiveContent"/>); format 0
/// (before it): gzip JSON of one <see cref="JobMetricsView"/>, still read as it was written.
/// </summary>
public sealed class JobMetricArchive
{
    public const int CurrentFormat = 2;
    public Guid Id { get; set; }
    public int Format { get; set; }
    public long Interval { get; set; }
    public long FineInterval { get; set; }
    /// <summary>The job window archived; an archive of an earlier stop time is not served.</summary>
    public DateTimeOffset? To { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public byte[] Compressed { get; set; } = [];

    public static JobMetricArchive From(Guid jobId, ArchiveContent content, DateTimeOffset now) => new()
    {
        Id = jobId, Format = CurrentFormat, Interval = content.Interval, FineInterval = content.FineInterval, To = content.To,
        CreatedAt = now, Compressed = content.Compress(),
    };

    public bool Covers(JobView job) => Format == CurrentFormat && To is { } to && job.StopTime is { } stop &&
                                       to.ToUnixTimeMilliseconds() == stop.ToUnixTimeMilliseconds();

    /// <summary>Format 0: the one view stored then.</summary>
    public JobMetricsView ReadLegacy()
    {
        using var gzip = new GZipStream(new MemoryStream(Compressed), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<JobMetricsView>(gzip, LegacyJson)! with { Source = "archive" };
    }

    private static readonly JsonSerializerOptions LegacyJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}

/// <summary>Which intervals the archive holds and the InfluxQL that fills it.</summary>
public static class ArchivePlan
{
    /// <summary>The default view's interval and the finest archived one: the smallest offered interval that divides the
    /// default and is at most 5 times finer (24 h: 600 s and 120 s, so 120, 600, 1200, 1800 s … come from the archive).</summary>
    public static (long Interval, long Fine) Levels(TimeSpan duration, int collectorInterval)
    {
        var interval = SampleInterval.ChooseSeconds(duration, collectorInterval);
        var fine = MetricQueries.IntervalChoices(duration, collectorInterval).Append(collectorInterval)
            .Where(c => c >= collectorInterval && c <= interval && interval % c == 0 && interval / c <= 5).DefaultIfEmpty(interval).Min();
        return (interval, fine);
    }

    public static bool ArchivesDevices(MetricDefinition m, IReadOnlyCollection<MetricScope> deviceScopes) => m.Scope != MetricScope.Node && deviceScopes.Contains(m.Scope);

    /// <summary>One InfluxDB request per metric (each within the client's timeout): its per-node series at the fine
    /// interval and, when devices are archived, its per-device series at the default interval.</summary>
    public static IEnumerable<(MetricDefinition Metric, string PerNode, string? PerDevice)> Statements(IEnumerable<MetricDefinition> metrics, IReadOnlyCollection<string> hosts,
        DateTimeOffset from, DateTimeOffset to, long interval, long fine, IReadOnlyCollection<MetricScope> deviceScopes) =>
        metrics.Select(m => (m, MetricQueries.PerNode(m, hosts, from, to, fine, m.DefaultAggregation),
            ArchivesDevices(m, deviceScopes) ? MetricQueries.PerDevice(m, hosts, from, to, interval) : null));
}

/// <summary>Answers the job page from an archive, or says it cannot (null) so InfluxDB is asked.</summary>
public static class ArchiveViews
{
    public static JobMetricsView? TryServe(ArchiveContent a, JobView job, JobMetricsRequest r, MetricCatalogue c)
    {
        var interval = r.Interval ?? a.Interval;
        if (interval % a.FineInterval != 0) return null;   // finer than archived or off its grid
        var (available, source, _) = c.MetricsFor(job.Cluster, job.Partition, job.Nodes);
        var wanted = r.Metrics is { Length: > 0 } names ? available.Where(m => names.Contains(m.Name)).ToList() : available.ToList();
        var archived = a.Metrics.ToDictionary(m => m.Name);
        // Nothing was archived (no data at job end): InfluxDB may have it by now (late or back-filled data).
        if (a.Metrics.All(m => m.Nodes.Labels.Length == 0)) return null;
        var views = new List<MetricView>();
        foreach (var m in wanted)
        {
            if (!archived.TryGetValue(m.Name, out var am)) return null;          // a metric added since job end
            var agg = r.Aggregation is { } x && m.Aggregations.Contains(x) ? x : m.DefaultAggregation;
            if (agg != am.Aggregation) return null;
            var series = new List<SeriesData>();
            QuantileBands? bands = null;
            if (r.Node is { } node && m.Scope != MetricScope.Node)
            {
                if (!am.Devices.TryGetValue(node, out var devices) || interval % devices.Interval != 0) return null;
                var grid = devices.Resample(interval);
                series.AddRange(Enumerable.Range(0, grid.Labels.Length).Select(i => grid.ToSeries(i)).OrderBy(s => s.Label, NaturalOrder.Instance));
            }
            else
            {
                var grid = am.Nodes.Resample(interval);
                var rows = Enumerable.Range(0, grid.Labels.Length).Where(i => r.Node is null || grid.Labels[i] == r.Node);
                series.AddRange(rows.Select(i => grid.ToSeries(i)).Where(s => s.Times.Length > 0).OrderBy(s => s.Label, NaturalOrder.Instance));
                if (r.Quantiles && r.Node is null && job.Nodes.Length > 1) bands = MetricStatisticsCalculator.Bands(series, c.Quantiles);
            }
            var peak = r.Node is not null && m.Scope != MetricScope.Node ? m.PeakPerDevice : m.PeakPerNode;
            views.Add(new MetricView(m.Name, m.DisplayName, m.Unit, m.Scope, m.Categories, agg, m.Aggregations, peak, series, bands));
        }
        var intervals = MetricQueries.IntervalChoices(a.To - a.From, c.CollectorIntervalSeconds);
        return new JobMetricsView(job.Id, a.From, a.To, interval, intervals, r.Node, source, "archive", views, []);
    }
}
