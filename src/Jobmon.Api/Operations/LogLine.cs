using System.Collections.Concurrent;
using System.Threading.Channels;
using Jobmon.Infrastructure;

namespace Jobmon.Operations;

public sealed record LogLine(DateTimeOffset Time, string Level, string Category, string Message, string? CorrelationId);
