using System.Text.RegularExpressions;
using Jobmon.Infrastructure;
using Jobmon.Hostlists;
using Jobmon.Influx;
using Jobmon.Jobs.Ingestion;
using Marten;

namespace Jobmon.Metrics;

/// <summary>A declarative tag filter (instead of the original's raw Flux fragments): key = value, key != value, key =~
/// /regex/.</summary>
public sealed record TagFilter(string Key, TagOp Op, string Value);
