using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Jobmon.Infrastructure;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Jobmon.Operations.DeadLetters;

/// <summary>A message whose retry budget was used up (no stack trace: admins see the exception's type and
/// message).</summary>
/// <param name="JobId">The job the message is about, when it carries one (job-end processing does).</param>
/// <param name="Attempts">Attempts of the last run before it became a dead letter.</param>
/// <param name="ReplayCount">How often it was requeued before and failed again.</param>
/// <param name="Requeued">Requeued by an admin and waiting to be picked up (within seconds).</param>
public sealed record DeadLetter(Guid Id, string MessageType, Guid? JobId, string ExceptionType, string ExceptionMessage,
    DateTimeOffset? FirstFailedAt, DateTimeOffset? FailedAt, int Attempts, int ReplayCount, bool Requeued);
