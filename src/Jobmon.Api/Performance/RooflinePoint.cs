using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Metrics;
using Marten;

namespace Jobmon.Performance;

/// <summary>A point: one node in one window of the job's default view.</summary>
/// <param name="Intensity">Arithmetic intensity, FLOP per byte of memory traffic.</param>
/// <param name="Flops">FLOP/s of that node in that window.</param>
public sealed record RooflinePoint(string Node, DateTimeOffset Time, double Intensity, double Flops);
