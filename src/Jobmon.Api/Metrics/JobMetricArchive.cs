using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

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
        Id = jobId, Format = CurrentFormat, Interval = content.Interval, FineInterval = content.FineInterval, To =
            content.To,
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
