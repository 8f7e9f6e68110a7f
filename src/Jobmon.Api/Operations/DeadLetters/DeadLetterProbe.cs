using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Jobmon.Infrastructure;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Jobmon.Operations.DeadLetters;

/// <summary>Dead letters in /health/ready's details: information for operators, never a reason to be "not
/// ready".</summary>
public sealed class DeadLetterProbe(IWolverineRuntime runtime) : IReadinessProbe
{
    public string Name => "deadLetters";

    public async Task<object> CheckAsync(CancellationToken ct)
    {
        try
        {
            var count = await DeadLetterAdmin.CountAsync(runtime, null, ct);
            return new { status = count == 0 ? "ok" : "present", count };
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            return new { status = "unknown", error = e.GetType().Name };
        }
    }
}
