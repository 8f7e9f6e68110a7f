namespace Jobmon.Infrastructure;

/// <summary>Optional dependencies (InfluxDB) report here; they degrade readiness output but never fail it.</summary>
public interface IReadinessProbe
{
    string Name { get; }
    Task<object> CheckAsync(CancellationToken ct);
}
