using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Jobmon.Infrastructure;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;

namespace Jobmon.Operations.DeadLetters;


/// <summary>
/// Admin view of Wolverine's dead letters (<c>wolverine_dead_letters</c>): list, requeue (the durability agent moves
/// a requeued message back to the inbox within its 5 s poll, with a fresh retry budget) and delete. Every change
/// needs a reason (<c>{"reason": "…"}</c>), logged with the admin's name and the correlation id.
/// </summary>
public static class DeadLetterAdmin
{
    public const int MaxPageSize = 200;
    private const int MaxExceptionMessage = 2000;

    public static IServiceCollection AddDeadLetterAdmin(this IServiceCollection services)
    {
        services.AddSingleton<DeadLetterCount>();
        services.AddHostedService(sp => sp.GetRequiredService<DeadLetterCount>());
        services.AddSingleton<IReadinessProbe, DeadLetterProbe>();
        return services;
    }

    public static IEndpointRouteBuilder MapDeadLetterAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/dead-letters").RequireAuthorization(Policies.Admin)
            .WithTags("Administration");
        admin.MapGet("", List).Produces<DeadLetterPage>().ProducesValidationProblem()
            .WithSummary("Messages whose retry budget was used up (e.g. job-end statistics), oldest first; " +
                         "?page= (from 1), ?pageSize= (1–200, default 50), ?messageType=.");
        admin.MapPost("/{id}/requeue", Requeue).Produces<DeadLettersRequeued>(202).ProducesValidationProblem()
            .ProducesProblem(404)
            .WithSummary("Process one dead letter again. Body: {reason}.");
        admin.MapPost("/requeue", RequeueAll).Produces<DeadLettersRequeued>(202).ProducesValidationProblem()
            .WithSummary("Process all dead letters again, or those of one messageType. Body: {reason, messageType?}.");
        admin.MapDelete("/{id}", Delete).Produces(204).ProducesValidationProblem().ProducesProblem(404)
            .WithSummary("Drop one dead letter for good. Body: {reason}.");
        return app;
    }

    private static IDeadLetters DeadLetters(IWolverineRuntime runtime) => runtime.Storage.DeadLetters;

    private static async Task<IResult> List(HttpContext http, IWolverineRuntime runtime, CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        var page = ParseInt(q["page"], "page", 1, 1, 1_000_000, errors);
        var pageSize = ParseInt(q["pageSize"], "pageSize", 50, 1, MaxPageSize, errors);
        string? type = q["messageType"];
        if (type is { Length: > 250 }) errors["messageType"] = ["must be at most 250 characters."];
        if (errors.Count > 0) return Problems.Validation(errors);
        var query = new DeadLetterEnvelopeQuery { PageNumber = page, PageSize = pageSize };
        if (!string.IsNullOrWhiteSpace(type)) query.MessageType = type.Trim();
        var results = await DeadLetters(runtime).QueryAsync(query, ct);
        // An empty page does not carry the total: count it (only past the end, so rarely).
        var total = results.Envelopes.Count > 0 || page == 1 ? results.TotalCount : await CountAsync(runtime, type, ct);
        return Results.Ok(new DeadLetterPage(page, pageSize, total, results.Envelopes.Select(ToDeadLetter).ToList()));
    }

    /// <summary>Dead letters that are not archived (of one message type when given).</summary>
    public static async Task<int> CountAsync(IWolverineRuntime runtime, string? messageType, CancellationToken ct)
    {
        var query = new DeadLetterEnvelopeQuery { PageNumber = 1, PageSize = 1 };
        if (!string.IsNullOrWhiteSpace(messageType)) query.MessageType = messageType.Trim();
        return (await DeadLetters(runtime).QueryAsync(query, ct)).TotalCount;
    }

    private static async Task<IResult> Requeue(string id, HttpContext http, IWolverineRuntime runtime,
        ILogger<DeadLetter> logger, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) return Problems.Validation("id", "must be a dead letter's id (a GUID).");
        var (body, problem) = await ReadReasonAsync(http.Request, ct);
        if (problem is not null) return problem;
        var letter = await DeadLetters(runtime).DeadLetterEnvelopeByIdAsync(guid);
        if (letter is null) return Unknown(guid);
        var result = await DeadLetters(runtime).ReplayMatchingAsync(new DeadLetterEnvelopeQuery([guid]), ct);
        var item = ToDeadLetter(letter);
        logger.LogWarning(
            "Dead letter {Id} ({MessageType}, job {JobId}) requeued by {Caller} ({CorrelationId}): {Reason}",
            guid, item.MessageType, item.JobId, Caller.From(http.User).Name, http.CorrelationId(), body.Reason);
        return Results.Accepted("/api/admin/dead-letters", new DeadLettersRequeued(result.Affected ?? 1));
    }

    private static async Task<IResult> RequeueAll(HttpContext http, IWolverineRuntime runtime,
        ILogger<DeadLetter> logger, CancellationToken ct)
    {
        var (body, problem) = await ReadReasonAsync(http.Request, ct, withMessageType: true);
        if (problem is not null) return problem;
        var query = new DeadLetterEnvelopeQuery { PageSize = 0 };
        if (body.MessageType is not null) query.MessageType = body.MessageType;
        var before = await CountAsync(runtime, body.MessageType, ct);
        var result = await DeadLetters(runtime).ReplayMatchingAsync(query, ct);
        var requeued = result.Affected ?? before;
        logger.LogWarning("{Count} dead letters ({MessageType}) requeued by {Caller} ({CorrelationId}): {Reason}",
            requeued, body.MessageType ?? "all types", Caller.From(http.User).Name, http.CorrelationId(), body.Reason);
        return Results.Accepted("/api/admin/dead-letters", new DeadLettersRequeued(requeued));
    }

    private static async Task<IResult> Delete(string id, HttpContext http, IWolverineRuntime runtime,
        ILogger<DeadLetter> logger, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid)) return Problems.Validation("id", "must be a dead letter's id (a GUID).");
        var (body, problem) = await ReadReasonAsync(http.Request, ct);
        if (problem is not null) return problem;
        var letter = await DeadLetters(runtime).DeadLetterEnvelopeByIdAsync(guid);
        if (letter is null) return Unknown(guid);
        await DeadLetters(runtime).DiscardMatchingAsync(new DeadLetterEnvelopeQuery([guid]), ct);
        var item = ToDeadLetter(letter);
        logger.LogWarning(
            "Dead letter {Id} ({MessageType}, job {JobId}, {Exception}) deleted by {Caller} ({CorrelationId}): "
            + "{Reason}",
            guid, item.MessageType, item.JobId, item.ExceptionType, Caller.From(http.User).Name, http.CorrelationId(),
            body.Reason);
        return Results.NoContent();
    }

    private static IResult Unknown(Guid id) =>
        Problems.NotFound($"dead letter {id} does not exist (requeued or deleted already?).");

    private sealed record ReasonBody(string Reason, string? MessageType);

    /// <summary>A JSON object with a required <c>reason</c> (1–1024 non-blank characters).</summary>
    private static async Task<(ReasonBody Body, IResult? Problem)> ReadReasonAsync(HttpRequest request,
        CancellationToken ct, bool withMessageType = false)
    {
        var none = new ReasonBody("", null);
        if (request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any())
            return (none, Problems.Validation("reason", "is required: send {\"reason\": \"…\"} saying why."));
        var (body, problem) = await JsonBody.ReadAsync(request, ct, JsonBody.SmallMaxBytes);
        if (body is null) return (none, problem);
        var reason = body.String("reason", 1024)?.Trim();
        if (string.IsNullOrEmpty(reason)) body.AddError("reason", "is required: say why.");
        var type = withMessageType ? body.String("messageType", 250)?.Trim() : null;
        if (withMessageType && type is { Length: 0 })
            body.AddError("messageType", "must not be blank (leave it out for all types).");
        return body.Problem() is { } invalid ? (none, invalid) : (new ReasonBody(reason!, type), null);
    }

    private static int ParseInt(string? raw, string field, int fallback, int min, int max,
        Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(raw)) return fallback;
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
            return v;
        errors[field] = [$"must be a whole number from {min} to {max}."];
        return fallback;
    }

    public static DeadLetter ToDeadLetter(DeadLetterEnvelope e)
    {
        var message = e.ExceptionMessage.Length > MaxExceptionMessage
            ? e.ExceptionMessage[..MaxExceptionMessage] + "…"
            : e.ExceptionMessage;
        return new DeadLetter(e.Id, e.MessageType, JobIdOf(e.Envelope?.Data), e.ExceptionType, message,
            e.FirstFailedAt ?? e.FailedAt ?? e.SentAt, e.FailedAt, e.Envelope?.Attempts ?? 0, e.ReplayCount,
            e.Replayable);
    }

    /// <summary>The message's <c>jobId</c> property (any casing), when it has one: messages are JSON.</summary>
    public static Guid? JobIdOf(byte[]? data)
    {
        if (data is not { Length: > 0 }) return null;
        try
        {
            using var doc = JsonDocument.Parse(data);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            foreach (var p in doc.RootElement.EnumerateObject())
                if (p.Name.Equals("jobId", StringComparison.OrdinalIgnoreCase)
                    && p.Value.ValueKind == JsonValueKind.String && p.Value.TryGetGuid(out var id))
                    return id;
        }
        catch (JsonException) { }
        return null;
    }
}
