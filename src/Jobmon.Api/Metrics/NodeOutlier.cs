using Jobmon.Infrastructure;

namespace Jobmon.Metrics;

public sealed record NodeOutlier(string Node, string Side, double Mean, double Median);
