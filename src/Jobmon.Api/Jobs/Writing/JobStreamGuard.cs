using System.Reflection;
using JasperFx.Events;
using Marten;

namespace Jobmon.Jobs.Writing;

/// <summary>
/// Refuses an append to an existing job stream that does not come from <see cref="JobStreamWriter"/>. The writer's
/// expected versions are the job view's: an append around it (in Quick append mode Marten does not move the inline
/// view's version) would leave the view behind its stream, and every later write of that job would fail its version
/// check. New streams are not refused (their view is created with them).
/// </summary>
public sealed class JobStreamGuard : DocumentSessionListenerBase
{
    private static readonly AsyncLocal<bool> Writing = new();

    /// <summary>Event types the job view folds: its Create/Apply methods' <c>IEvent&lt;T&gt;</c> parameters.</summary>
    private static readonly HashSet<Type> JobEventTypes = typeof(JobView)
        .GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance)
        .Where(m => m.Name is "Create" or "Apply")
        .SelectMany(m => m.GetParameters())
        .Select(p => p.ParameterType)
        .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEvent<>))
        .Select(t => t.GetGenericArguments()[0])
        .ToHashSet();

    /// <summary>Marks the current async flow as the writer's for the duration of a save.</summary>
    internal static async Task SaveAsync(IDocumentSession session, CancellationToken ct)
    {
        Writing.Value = true;
        try { await session.SaveChangesAsync(ct); }
        finally { Writing.Value = false; }
    }

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (Writing.Value) return Task.CompletedTask;
        var around = session.PendingChanges.Streams().FirstOrDefault(s =>
            s.ActionType == StreamActionType.Append && s.Events.Any(e => JobEventTypes.Contains(e.EventType)));
        if (around is not null)
            throw new InvalidOperationException(
                $"Job stream {around.Id}: job events are appended only through JobStreamWriter (Jobs/Writing).");
        return Task.CompletedTask;
    }
}
