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
    public static SeriesGrid From(IReadOnlyList<(string Label, IReadOnlyList<InfluxPoint> Points)> series,
        long interval, DateTimeOffset from, DateTimeOffset to)
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
        if (interval % Interval != 0) throw new ArgumentException($"{interval} s is not a multiple of {Interval} s.",
            nameof(interval));
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
