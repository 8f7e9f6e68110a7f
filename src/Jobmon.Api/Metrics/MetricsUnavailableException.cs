using System.Diagnostics;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

/// <summary>Thrown when InfluxDB is not configured or cannot be reached; endpoints answer 503 with the
/// reason.</summary>
/// <param name="Status">503: InfluxDB absent or unreachable; 504: it did not answer in time; 422: it refused the
/// query.</param>
public sealed class MetricsUnavailableException(string message, Exception? inner = null, int status = 503)
    : Exception(message, inner)
{
    public int Status { get; } = status;
}
