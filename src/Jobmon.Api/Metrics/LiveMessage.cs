using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Marten;
using Wolverine;

namespace Jobmon.Metrics;

public sealed record LiveMessage(string Event, string Data);
