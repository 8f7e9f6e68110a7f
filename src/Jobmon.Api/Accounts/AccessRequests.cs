using Jobmon.Infrastructure;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Wolverine.Marten;

namespace Jobmon.Accounts;


public static class AccessRequests
{
    public const int MaxPerDay = 3;
    public const int MaxMessageLength = 1000;

    public static void ConfigureMarten(StoreOptions opts)
    {
        opts.Projections.Snapshot<AccessRequest>(SnapshotLifecycle.Inline);
        var requests = opts.Schema.For<AccessRequest>();
        requests.Duplicate(x => x.AccountId);
        requests.Duplicate(x => x.Status);
        requests.Duplicate(x => x.PendingKey);
        requests.UniqueIndex(UniqueIndexType.DuplicatedField, "mt_doc_accessrequest_uidx_pending_key",
            x => x.PendingKey!);
    }

    public static IEndpointRouteBuilder MapAccessRequests(this IEndpointRouteBuilder app)
    {
        var mine = app.MapGroup("/api/access-requests").RequireAuthorization(Policies.SignedIn).WithTags("Sessions");
        mine.MapPost("", Create)
            .WithSummary("Ask the admins for access (optional message). One pending request per account, " +
                $"{MaxPerDay} a day; the admins are mailed when SMTP is configured.");
        mine.MapGet("", ListMine).WithSummary("The caller's own access requests, newest first.");

        var admin = app.MapGroup("/api/admin/access-requests").RequireAuthorization(Policies.Admin)
            .WithTags("Administration");
        admin.MapGet("", ListForAdmins)
            .WithSummary("Access requests; pending ones unless ?status=approved|rejected|all.");
        admin.MapPost("/{id:guid}/approve", Approve)
            .WithSummary("Grant roles (default [\"user\"]) through UserRolesChanged and close the request.");
        admin.MapPost("/{id:guid}/reject", Reject)
            .WithSummary("Close the request without granting anything (optional reason).");
        return app;
    }

    /// <summary>Bodies are optional here: no body counts as {}.</summary>
    private static async Task<(JsonBody? Body, IResult? Problem)> OptionalBodyAsync(HttpRequest request,
        CancellationToken ct)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
            return (null, null);
        return await JsonBody.ReadAsync(request, ct);
    }

    private static async Task<IResult> Create(HttpContext http, IDocumentStore store, AccountService accounts,
        JobmonSettings settings,
        TimeProvider clock, ILogger<AccessRequest> logger, CancellationToken ct)
    {
        var (body, problem) = await OptionalBodyAsync(http.Request, ct);
        if (problem is not null) return problem;
        var message = body?.String("message", MaxMessageLength)?.Trim();
        if (body?.Problem() is { } invalid) return invalid;
        // API keys and the configured tokens are signed in too, but only a person with an account can be given roles.
        var account = http.User.FindFirst("jobmon:session") is null ? null
            : await accounts.FindAsync(Caller.From(http.User).Name, ct);
        if (account is null)
            return Problems.Conflict("Access requests come from people signed in with an account, not from API keys " +
                "or tokens.");

        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        var pending = await session.Query<AccessRequest>()
            .Where(r => r.AccountId == account.Id && r.Status == AccessRequestStatus.Pending).FirstOrDefaultAsync(ct);
        if (pending is not null)
            return TooMany(http, "You already have a pending access request; an administrator will answer it.", null,
                pending.Id);
        var since = now.AddDays(-1);
        var recent = await session.Query<AccessRequest>().Where(r => r.AccountId == account.Id && r.CreatedAt > since)
            .Select(r => r.CreatedAt).ToListAsync(ct);
        if (recent.Count >= MaxPerDay)
            return TooMany(http, $"At most {MaxPerDay} access requests a day.", recent.Min().AddDays(1) - now, null);

        var id = Guid.CreateVersion7();
        var requested = new AccessRequested(id, account.Id, account.Username, string.IsNullOrEmpty(message) ? null
            : message, account.Roles, now);
        new EventContext(account.Username, http.CorrelationId(), "access-request").ApplyTo(session);
        session.Events.StartStream<AccessRequest>(id, requested);
        if (settings.Email.Enabled)
        {
            // Outbox: the mail is queued in the same transaction and sent in the background (retried, never lost).
            var outbox = http.RequestServices.GetRequiredService<IMartenOutbox>();
            outbox.Enroll(session);
            await outbox.PublishAsync(Mail(requested));
        }
        try { await session.SaveChangesAsync(ct); }
        catch (Exception e) when (Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(e))
        {
            return TooMany(http, "You already have a pending access request; an administrator will answer it.", null,
                null);
        }
        logger.LogInformation("Access request {RequestId} by {Username}", id, account.Username);
        var created = new AccessRequest
        {
            Id = id, AccountId = account.Id, Username = account.Username, Message = requested.Message, RolesAtRequest =
                account.Roles, CreatedAt = now,
        };
        return Results.Created($"/api/access-requests/{id}", AccessRequestInfo.From(created));
    }

    private static NotifyAdmins Mail(AccessRequested r) => new(
        $"Role request by {r.Username}",
        $"""
        {r.Username} asks for access to Jobmon.

        User:          {r.Username}
        Current roles: {(r.RolesAtRequest.Length == 0 ? "(none)" : string.Join(", ", r.RolesAtRequest))}
        Requested at:  {r.At:yyyy-MM-dd HH:mm} UTC
        Request id:    {r.RequestId}

        Message from the user:
        {(r.Message is { Length: > 0 } m ? m : "(no message)")}

        Approve or reject it in Jobmon's administration (access requests).
        """);

    private static IResult TooMany(HttpContext http, string detail, TimeSpan? retryAfter, Guid? pendingId)
    {
        if (retryAfter is { } wait) http.Response.Headers.RetryAfter =
            ((long)Math.Ceiling(Math.Max(1, wait.TotalSeconds))).ToString();
        var extensions = new Dictionary<string, object?> { ["correlationId"] = http.CorrelationId() };
        if (pendingId is { } p) extensions["pendingRequestId"] = p;
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many access requests",
            detail: detail, extensions: extensions);
    }

    private static async Task<IResult> ListMine(HttpContext http, IQuerySession session, AccountService accounts,
        CancellationToken ct)
    {
        var account = http.User.FindFirst("jobmon:session") is null ? null
            : await accounts.FindAsync(Caller.From(http.User).Name, ct);
        if (account is null) return Results.Ok(Array.Empty<AccessRequestInfo>());
        var list = await session.Query<AccessRequest>().Where(r => r.AccountId == account.Id)
            .OrderByDescending(r => r.CreatedAt).Take(50).ToListAsync(ct);
        return Results.Ok(list.Select(AccessRequestInfo.From));
    }

    private static async Task<IResult> ListForAdmins(string? status, IQuerySession session, CancellationToken ct)
    {
        status ??= AccessRequestStatus.Pending;
        if (status is not (
            AccessRequestStatus.Pending or AccessRequestStatus.Approved or AccessRequestStatus.Rejected or "all"))
            return Problems.Validation("status", "must be pending, approved, rejected or all.");
        var query = session.Query<AccessRequest>().AsQueryable();
        if (status != "all") query = query.Where(r => r.Status == status);
        var list = await query.OrderBy(r => r.CreatedAt).Take(1000).ToListAsync(ct);
        return Results.Ok(list.Select(AccessRequestInfo.From));
    }

    private static async Task<IResult> Approve(Guid id, HttpContext http, IDocumentStore store, TimeProvider clock,
        ILogger<AccessRequest> logger, CancellationToken ct)
    {
        var (body, problem) = await OptionalBodyAsync(http.Request, ct);
        if (problem is not null) return problem;
        string[] roles = [Roles.User];
        if (body is not null && body.Has("roles") && body.StringArray("roles", 3, 32) is { } given)
        {
            if (given.Length == 0 || given.Any(g => !Roles.Assignable.Contains(g)))
                body.AddError("roles", $"must name at least one of {string.Join(", ", Roles.Assignable)}.");
            roles = given.Distinct().ToArray();
        }
        if (body?.Problem() is { } invalid) return invalid;

        var by = Caller.From(http.User).Name;
        await using var session = store.LightweightSession();
        var request = await session.Events.FetchForWriting<AccessRequest>(id, ct);
        if (request.Aggregate is not { } r) return Problems.NotFound($"access request {id} does not exist.");
        if (r.Status != AccessRequestStatus.Pending)
            return Problems.Conflict($"access request {id} is already {r.Status}.");
        var account = await session.Events.FetchForWriting<UserAccount>(r.AccountId, ct);
        if (account.Aggregate is not { Deleted: false } a)
            return Problems.Conflict($"the account {r.Username} no longer exists.");

        new EventContext(by, http.CorrelationId(), "admin").ApplyTo(session);
        request.AppendOne(new AccessRequestApproved(id, roles, by, clock.GetUtcNow()));
        var granted = a.Roles.Union(roles).ToArray();
        if (granted.Length != a.Roles.Length) account.AppendOne(new UserRolesChanged(a.Id, granted, by));
        try { await session.SaveChangesAsync(ct); }
        catch (Exception e) when (IsConcurrencyConflict(e))
        {
            return Problems.Conflict("the request or the account changed at the same time; reload and try again.");
        }
        logger.LogInformation("Access request {RequestId} of {Username} approved by {By}: {Roles}", id, r.Username, by,
            string.Join(",", roles));
        return Results.Ok(AccessRequestInfo.From(r with
            { Status = AccessRequestStatus.Approved, GrantedRoles = roles, DecidedBy = by, DecidedAt =
                clock.GetUtcNow(), PendingKey = null }));
    }

    private static async Task<IResult> Reject(Guid id, HttpContext http, IDocumentStore store, TimeProvider clock,
        ILogger<AccessRequest> logger, CancellationToken ct)
    {
        var (body, problem) = await OptionalBodyAsync(http.Request, ct);
        if (problem is not null) return problem;
        var reason = body?.String("reason", MaxMessageLength)?.Trim();
        if (body?.Problem() is { } invalid) return invalid;

        var by = Caller.From(http.User).Name;
        await using var session = store.LightweightSession();
        var request = await session.Events.FetchForWriting<AccessRequest>(id, ct);
        if (request.Aggregate is not { } r) return Problems.NotFound($"access request {id} does not exist.");
        if (r.Status != AccessRequestStatus.Pending)
            return Problems.Conflict($"access request {id} is already {r.Status}.");
        new EventContext(by, http.CorrelationId(), "admin").ApplyTo(session);
        var rejected = new AccessRequestRejected(id, string.IsNullOrEmpty(reason) ? null : reason, by,
            clock.GetUtcNow());
        request.AppendOne(rejected);
        try { await session.SaveChangesAsync(ct); }
        catch (Exception e) when (IsConcurrencyConflict(
            e)) { return Problems.Conflict("the request changed at the same time; reload and try again."); }
        logger.LogInformation("Access request {RequestId} of {Username} rejected by {By}", id, r.Username, by);
        return Results.Ok(AccessRequestInfo.From(r.Apply(rejected)));
    }

    private static bool IsConcurrencyConflict(Exception e) =>
        e is JasperFx.ConcurrencyException || e.GetType().Name.Contains("Concurrency")
            || Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(e);
}
