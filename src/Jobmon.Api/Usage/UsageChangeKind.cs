using JasperFx.Events;
using Jobmon.Jobs;
using Jobmon.Metrics;
using Marten;
using Marten.Events.Projections;

namespace Jobmon.Usage;

public enum UsageChangeKind { Started, Finished, StateCorrected, Classified }
