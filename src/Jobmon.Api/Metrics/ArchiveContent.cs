using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <summary>What the job page needs of a finished job, taken from InfluxDB once at job end.</summary>
public sealed record ArchiveContent(DateTimeOffset From, DateTimeOffset To, long Interval, long FineInterval,
    IReadOnlyList<ArchivedMetric> Metrics)
{
    private const string Magic = "JMA";

    public byte[] Compress()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize))
        using (var w = new BinaryWriter(gzip, Encoding.UTF8))
        {
            w.Write(Magic); w.Write(JobMetricArchive.CurrentFormat);
            w.Write(From.ToUnixTimeMilliseconds()); w.Write(To.ToUnixTimeMilliseconds()); w.Write(Interval); w.Write(
                FineInterval);
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
