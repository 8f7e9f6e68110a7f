using System.Diagnostics;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;

namespace Jobmon.Metrics;

public sealed record QuantileBands(long[] Times, Dictionary<string, double?[]> Bands);
