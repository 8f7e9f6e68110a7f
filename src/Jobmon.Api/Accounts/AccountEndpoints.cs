using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Jobmon.Infrastructure;
using Marten;

namespace Jobmon.Accounts;


public static class AccountEndpoints
{
    public const string LoginRateLimit = "login";
    public static readonly Regex Username = new("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", RegexOptions.Compiled);

    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddSingleton<AccountService>();
        services.AddSingleton<ITokenAuthenticator>(sp => sp.GetRequiredService<AccountService>());
        services.AddSingleton<LoginThrottle>();
        services.AddHostedService<BootstrapAdmin>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = 429;
            // Per client address: slows password guessing across accounts.
            o.AddPolicy(LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 20, Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0 }));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/login", Login).AllowAnonymous().RequireRateLimiting(LoginRateLimit).WithTags("Sessions")
            .WithSummary("Sign in with a local account; sets the HttpOnly session cookie 'Authorization' (as the " +
                "original did).");
        app.MapPost("/api/logout", Logout).RequireAuthorization(Policies.SignedIn).WithTags("Sessions")
            .WithSummary("Revokes the caller's own session only.");
        app.MapGet("/api/me", (HttpContext http) => Results.Ok(new Me(Caller.From(http.User).Name,
                http.User.Claims.Where(c => c.Type == System.Security.Claims.ClaimTypes.Role).Select(c => c.Value)
                    .ToArray())))
            .RequireAuthorization(Policies.SignedIn).WithTags("Sessions");

        var users = app.MapGroup("/api/admin/users").RequireAuthorization(Policies.Admin).WithTags("Administration");
        users.MapGet("", ListUsers);
        users.MapPost("", CreateUser);
        users.MapPatch("/{username}", UpdateUser);
        users.MapDelete("/{username}", DeleteUser);

        var keys = app.MapGroup("/api/admin/api-keys").RequireAuthorization(Policies.Admin).WithTags("Administration");
        keys.MapGet("", ListKeys);
        keys.MapPost("", CreateKey)
            .WithSummary("Create a named key (job-control or read-only); the token is shown once.");
        keys.MapDelete("/{id:guid}", RevokeKey);
        // The original's endpoint: returns the raw token text of a new job-control key (other keys stay valid).
        app.MapPost("/api/generateAPIKey", async (HttpContext http, IDocumentStore store, JobmonSettings settings,
            TimeProvider clock, CancellationToken ct) =>
            {
                var created = await CreateKeyAsync(store, http, $"api-{clock.GetUtcNow():yyyyMMdd-HHmmss}",
                    ApiKeyRoles.JobControl, clock.GetUtcNow() + settings.ApiTokenLifetime, ct);
                return Results.Text(created.Token);
            }).RequireAuthorization(Policies.Admin).WithTags("Administration");
        return app;
    }

    private static async Task<IResult> Login(HttpContext http, AccountService accounts, LoginThrottle throttle,
        ILogger<AccountService> logger, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct, JsonBody.SmallMaxBytes);
        if (body is null) return problem!;
        var username = body.String("username", 64);
        var password = body.String("password", 1024);
        body.Bool("frontendOnly");
        if (string.IsNullOrEmpty(username)) body.AddError("username", "is required.");
        if (string.IsNullOrEmpty(password)) body.AddError("password", "is required.");
        if (body.Problem() is { } invalid) return invalid;

        if (throttle.IsLocked(username!))
        {
            logger.LogWarning("Login for {Username} refused: too many failures from {Address}", username,
                http.Connection.RemoteIpAddress);
            return Results.Problem(statusCode: 429, title: "Too many failed logins",
                detail: "Too many failed logins for this account; try again in 15 minutes.");
        }
        var account = await accounts.FindAsync(username!, ct);
        var (ok, upgrade) = account is { Disabled: false } ? Passwords.Verify(account.PasswordHash, password!)
            : (false, false);
        if (!ok || account is null)
        {
            throttle.Failed(username!);
            // never the password
            logger.LogWarning("Failed login for {Username} from {Address}", username, http.Connection.RemoteIpAddress);
            return Results.Problem(statusCode: 401, title: "Unauthorized",
                detail: "Unknown user name or wrong password.");
        }
        throttle.Succeeded(username!);
        // As the original (job-control users were refused in the frontend): such accounts exist for scripts; a web
        // session would only show them an empty UI and put an ingestion credential into a browser.
        if (account.Roles.Contains(Roles.JobControl) && !account.Roles.Contains(Roles.User)
            && !account.Roles.Contains(Roles.Admin))
        {
            logger.LogWarning("Login for job-control account {Username} refused: job-control accounts cannot sign " +
                "into the web UI", account.Username);
            return Results.Problem(statusCode: 403, title: "Job-control accounts cannot sign in",
                detail: $"'{account.Username}' is a job-control account: it may report jobs (SLURM script, " +
                    "cc-slurm-adapter) but cannot sign into the web UI. " +
                        "Scripts use an API key (Settings → API keys); to read jobs in the browser, sign in with a " +
                            "user or admin account.");
        }
        if (upgrade)
        {
            var store = http.RequestServices.GetRequiredService<IDocumentStore>();
            await using var session = store.LightweightSession();
            session.SetHeader("causedBy", account.Username);
            session.Events.Append(account.Id, new UserPasswordChanged(account.Id, Passwords.Hash(password!),
                account.Username, Upgrade: true));
            await session.SaveChangesAsync(ct);
        }
        var (jwt, userSession) = await accounts.IssueSessionAsync(account, http.Request.Headers.UserAgent.ToString(),
            ct);
        http.Response.Cookies.Append("Authorization", "Bearer " + jwt, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, Path = "/", Expires =
                userSession.ExpiresAt,
        });
        return Results.Ok(new Me(account.Username, account.Roles));
    }

    private static async Task<IResult> Logout(HttpContext http, IDocumentStore store, CancellationToken ct)
    {
        if (http.User.FindFirst("jobmon:session")?.Value is { } sid && Guid.TryParse(sid, out var sessionId))
        {
            await using var session = store.LightweightSession();
            var row = await session.LoadAsync<UserSession>(sessionId, ct);
            if (row is not null) { row.Revoked = true; session.Store(row); await session.SaveChangesAsync(ct); }
        }
        http.Response.Cookies.Delete("Authorization", new CookieOptions { Path = "/" });
        return Results.NoContent();
    }

    private static async Task<IResult> ListUsers(IQuerySession session, CancellationToken ct) =>
        Results.Ok((await session.Query<UserAccount>().Where(a => !a.Deleted).OrderBy(a => a.Username).ToListAsync(ct))
            .Select(a => new UserInfo(a.Username, a.Roles, a.Disabled, a.Source, a.CreatedAt, a.LastLogin)));

    private static string[]? ReadRoles(JsonBody body)
    {
        var roles = body.StringArray("roles", 3, 32);
        if (roles is not null && roles.Any(r => !Roles.Assignable.Contains(r)))
        {
            body.AddError("roles", $"each role must be one of {string.Join(", ", Roles.Assignable)}.");
            return null;
        }
        return roles?.Distinct().ToArray();
    }

    private static async Task<IResult> CreateUser(HttpContext http, IDocumentStore store, AccountService accounts,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct, JsonBody.SmallMaxBytes);
        if (body is null) return problem!;
        var username = body.String("username", 64);
        var password = body.String("password", 1024);
        var roles = ReadRoles(body) ?? [];
        if (username is null || !Username.IsMatch(username))
            body.AddError("username", "must be 1-64 letters, digits or . _ @ - (starting with a letter or digit).");
        if (password is null) body.AddError("password", "is required.");
        else if (Passwords.Weakness(password) is { } weak) body.AddError("password", weak);
        if (body.Problem() is { } invalid) return invalid;
        if (await accounts.FindAsync(username!, ct) is not null)
            return Problems.Conflict($"user {username} already exists.");

        var id = Guid.CreateVersion7();
        var by = Caller.From(http.User).Name;
        await using var session = store.LightweightSession();
        new EventContext(by, http.CorrelationId(), "admin").ApplyTo(session);
        session.Events.StartStream<UserAccount>(id, new UserCreated(id, username!, roles, "local",
            Passwords.Hash(password!), by));
        try { await session.SaveChangesAsync(ct); }
        catch (Exception e) when (Jobmon.Infrastructure.DatabaseErrors.IsUniqueViolation(
            e)) { return Problems.Conflict($"user {username} already exists."); }
        return Results.Created($"/api/admin/users/{username}",
            new UserInfo(username!, roles, false, "local", DateTimeOffset.UtcNow, null));
    }

    private static async Task<IResult> UpdateUser(string username, HttpContext http, IDocumentStore store,
        AccountService accounts, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct, JsonBody.SmallMaxBytes);
        if (body is null) return problem!;
        var roles = ReadRoles(body);
        var disabled = body.Bool("disabled");
        var password = body.String("password", 1024);
        if (password is not null && Passwords.Weakness(password) is { } weak) body.AddError("password", weak);
        if (body.Problem() is { } invalid) return invalid;
        var account = await accounts.FindAsync(username, ct);
        if (account is null) return Problems.NotFound($"user {username} does not exist.");
        var by = Caller.From(http.User).Name;
        if (account.Username == by && (disabled == true || (roles is not null && !roles.Contains(Roles.Admin))))
            return Problems.Conflict("admins cannot disable themselves or remove their own admin role.");

        var events = new List<object>();
        if (roles is not null && !roles.Order().SequenceEqual(account.Roles.Order()))
            events.Add(new UserRolesChanged(account.Id, roles, by));
        if (disabled == true && !account.Disabled) events.Add(new UserDisabled(account.Id, by));
        if (disabled == false && account.Disabled) events.Add(new UserEnabled(account.Id, by));
        if (password is not null) events.Add(new UserPasswordChanged(account.Id, Passwords.Hash(password), by));
        if (events.Count > 0)
        {
            await using var session = store.LightweightSession();
            new EventContext(by, http.CorrelationId(), "admin").ApplyTo(session);
            session.Events.Append(account.Id, events.ToArray());
            await session.SaveChangesAsync(ct);
        }
        var updated = await accounts.FindAsync(username, ct);
        return Results.Ok(new UserInfo(updated!.Username, updated.Roles, updated.Disabled, updated.Source,
            updated.CreatedAt, updated.LastLogin));
    }

    private static async Task<IResult> DeleteUser(string username, HttpContext http, IDocumentStore store,
        AccountService accounts, CancellationToken ct)
    {
        var account = await accounts.FindAsync(username, ct);
        if (account is null) return Problems.NotFound($"user {username} does not exist.");
        var by = Caller.From(http.User).Name;
        if (account.Username == by) return Problems.Conflict("admins cannot delete themselves.");
        await using var session = store.LightweightSession();
        new EventContext(by, http.CorrelationId(), "admin").ApplyTo(session);
        session.Events.Append(account.Id, new UserDeleted(account.Id, by));
        await session.SaveChangesAsync(ct);
        return Results.NoContent();
    }

    private static async Task<IResult> ListKeys(IQuerySession session, CancellationToken ct)
    {
        var keys = await session.Query<ApiKey>().OrderByDescending(k => k.CreatedAt).ToListAsync(ct);
        var usage = (await session.LoadManyAsync<ApiKeyUsage>(ct, keys.Select(k => k.Id).ToArray()))
            .ToDictionary(u => u.Id, u => u.LastUsedAt);
        return Results.Ok(keys.Select(k => new ApiKeyInfo(k.Id, k.Name, k.Role, k.CreatedBy, k.CreatedAt, k.ExpiresAt,
            usage.TryGetValue(k.Id, out var used) ? used : null, k.Revoked, k.Source)));
    }

    private static async Task<IResult> CreateKey(HttpContext http, IDocumentStore store, TimeProvider clock,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, ct, JsonBody.SmallMaxBytes);
        if (body is null) return problem!;
        var name = body.String("name", 64);
        var role = body.String("role", 32) ?? ApiKeyRoles.JobControl;
        var expires = body.Time("expiresAt");
        if (string.IsNullOrWhiteSpace(name) || !Regex.IsMatch(name, "^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$"))
            body.AddError("name", "must be 1-64 letters, digits, spaces or . _ - (e.g. the cluster's name).");
        if (role is not (ApiKeyRoles.JobControl or ApiKeyRoles.ReadOnly))
            body.AddError("role", "must be job-control or read-only.");
        if (expires is { } e && e <= clock.GetUtcNow()) body.AddError("expiresAt", "must be in the future.");
        if (body.Problem() is { } invalid) return invalid;
        var created = await CreateKeyAsync(store, http, name!, role, expires, ct);
        return Results.Created($"/api/admin/api-keys/{created.Id}", created);
    }

    private static async Task<NewApiKey> CreateKeyAsync(IDocumentStore store, HttpContext http, string name,
        string role, DateTimeOffset? expires, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var token = AccountService.NewApiKeyToken(id, out var hash);
        var by = Caller.From(http.User).Name;
        await using var session = store.LightweightSession();
        new EventContext(by, http.CorrelationId(), "admin").ApplyTo(session);
        session.Events.StartStream<ApiKey>(id, new ApiKeyCreated(id, name, role, hash, by, expires));
        await session.SaveChangesAsync(ct);
        return new NewApiKey(id, name, role, token, expires);
    }

    private static async Task<IResult> RevokeKey(Guid id, HttpContext http, IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var key = await session.LoadAsync<ApiKey>(id, ct);
        if (key is null) return Problems.NotFound($"API key {id} does not exist.");
        if (key.Revoked) return Results.NoContent();
        new EventContext(Caller.From(http.User).Name, http.CorrelationId(), "admin").ApplyTo(session);
        session.Events.Append(id, new ApiKeyRevoked(id, Caller.From(http.User).Name));
        await session.SaveChangesAsync(ct);
        return Results.NoContent();
    }
}
