using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jobmon.Accounts;
using Jobmon.Compat;
using Jobmon.DropIn;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>A site keeps the original JobMon's SLURM script and its API key through the switch (issue 14, point 1),
/// and job-control accounts cannot sign into the web UI (point 5).</summary>
public sealed class OriginalTokenTests : IAsyncLifetime
{
    // Short on purpose: the original accepts any non-empty JWTSecret, and sites used short ones.
    private const string OriginalSecret = "kit-jobmon-secret";
    private readonly string _dir = Directory.CreateTempSubdirectory("jobmon-original-token-").FullName;
    private JobmonApp _app = null!;

    public async Task InitializeAsync()
    {
        var path = Path.Combine(_dir, "config.json");
        await File.WriteAllTextAsync(path, $$"""
            {
              "json_web_token_life_time": "24h",
              "api_token_life_time": "87600h",
              "DBHost": "http://127.0.0.1:9", "DBToken": "t", "DBOrg": "kit", "DBBucket": "metrics",
              "JobStore": { "Type": "postgres", "PSQLHost": "db.invalid:5432", "PSQLUsername": "u", "PSQLPassword": "p", "PSQLDB": "jobmon" },
              "JWTSecret": "{{OriginalSecret}}",
              "SampleInterval": "30s",
              "Metrics": [], "Partitions": {}, "MetricCategories": [], "RadarChartMetrics": []
            }
            """);
        _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?> { ["JOBMON_CONFIG"] = path, ["JOBMON_INFLUXDB"] = "http://127.0.0.1:9" });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// The token exactly as the original's backend/auth/auth.go GenerateJWT mints it: golang-jwt v4
    /// <c>jwt.NewWithClaims(jwt.SigningMethodHS256, UserClaims{UserInfo{Roles, Username}, RegisteredClaims{ExpiresAt,
    /// IssuedAt, Issuer: "monitoring-backend"}})</c> signed with <c>[]byte(JWTSecret)</c>. Go marshals the header map
    /// with sorted keys and the struct in field order (embedded UserInfo first, then iss, exp, iat; empty claims
    /// omitted), base64url without padding.
    /// </summary>
    private static string MintAsTheOriginal(string[] roles, string username, long issuedAt, long expiresAt, string secret = OriginalSecret)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = B64(Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}"""));
        var rolesJson = string.Join(",", roles.Select(r => $"\"{r}\""));
        var payload = B64(Encoding.UTF8.GetBytes($$"""{"Roles":[{{rolesJson}}],"Username":"{{username}}","iss":"monitoring-backend","exp":{{expiresAt}},"iat":{{issuedAt}}}"""));
        var signature = B64(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>What the original's jobmon_slurm prolog sends: PUT /api/job_start, the token in the cookie.</summary>
    private HttpClient Script(string token)
    {
        var client = _app.Client();
        client.DefaultRequestHeaders.Add("Cookie", $"Authorization=Bearer {token}");
        return client;
    }

    private static StringContent StartBody(long id, string cluster) => HttpExtensions.FormJson($$"""
        {"id":{{id}},"userId":1000,"userName":"alice","groupId":100,"groupName":"hpc","clusterId":"{{cluster}}","numNodes":1,"numTasks":4,
         "tasksPerNode":4,"GPUsPerNode":0,"nodeList":"hkn0001","startTime":{{Now - 60}},"isRunning":true,"jobName":"sim","account":"p1",
         "partition":"cpuonly","jobScript":"noJobSript"}
        """);

    [Fact]
    public async Task The_originals_api_key_reports_jobs_is_listed_as_imported_and_can_be_revoked()
    {
        var issued = Now - 3600;
        var token = MintAsTheOriginal(["job-control"], "api", issued, issued + 87600L * 3600);
        var cluster = Unique.Name("orig");
        var id = Unique.SlurmId();

        var start = await Script(token).PutAsync("/api/job_start", StartBody(id, cluster));
        start.StatusCode.ShouldBe(HttpStatusCode.OK, await start.Content.ReadAsStringAsync());
        var stop = await Script(token).PatchAsync($"/api/job_stop/{id}", HttpExtensions.FormJson($$"""{"exitCode":0,"stopTime":{{Now}}}"""));
        stop.StatusCode.ShouldBe(HttpStatusCode.OK);
        var job = (await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}")).ReadAs<JobListPage>()).Items.ShouldHaveSingleItem();
        job.JobId.ShouldBe(id);
        // Ingestion only, as in the original (job-control cannot call user routes).
        (await Script(token).GetAsync("/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var keys = JsonSerializer.Deserialize<List<ApiKeyInfo>>(await _app.Admin().GetStringAsync("/api/admin/api-keys"), HttpExtensions.Json)!;
        var key = keys.Where(k => k.Source == "original").ShouldHaveSingleItem();
        key.Role.ShouldBe("job-control");
        key.Name.ShouldStartWith("original: api");
        key.ExpiresAt.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(issued + 87600L * 3600));
        key.LastUsedAt.ShouldNotBeNull();
        var history = await (await _app.Admin().GetAsync($"/api/jobs/{job.Id}/history")).ReadAs<List<JobHistoryEntry>>();
        history.ShouldAllBe(h => h.CausedBy == "original:api");

        (await _app.Admin().DeleteAsync($"/api/admin/api-keys/{key.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Script(token).PutAsync("/api/job_start", StartBody(Unique.SlurmId(), cluster))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // Revoking is an event with who did it: the audit trail of the key.
        await using var session = _app.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(key.Id);
        events.Select(e => e.Data.GetType().Name).ShouldBe(["ApiKeyCreated", "ApiKeyRevoked"]);
    }

    [Fact]
    public async Task Tokens_the_original_would_refuse_are_refused()
    {
        var cluster = Unique.Name("orig");
        // another secret, expired, another issuer's token, and the original's 24-hour browser session of an admin
        var wrongSecret = MintAsTheOriginal(["job-control"], "api", Now - 60, Now + 3600, "another-secret");
        var expired = MintAsTheOriginal(["job-control"], "api", Now - 7200, Now - 3600);
        var adminSession = MintAsTheOriginal(["admin"], "root", Now - 60, Now + 3600);
        foreach (var token in new[] { wrongSecret, expired, adminSession })
            (await Script(token).PutAsync("/api/job_start", StartBody(Unique.SlurmId(), cluster))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // A token with alg "none" and the valid payload: no signature, no entry.
        var valid = MintAsTheOriginal(["job-control"], "api", Now - 60, Now + 3600);
        var parts = valid.Split('.');
        var none = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"JWT"}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        (await Script($"{none}.{parts[1]}.").PutAsync("/api/job_start", StartBody(Unique.SlurmId(), cluster))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await (await _app.Admin().GetAsync($"/api/jobs?cluster={cluster}")).ReadAs<JobListPage>()).Total.ShouldBe(0);
    }

    [Fact]
    public async Task Job_control_accounts_cannot_sign_into_the_web_UI()
    {
        var name = Unique.Name("api");
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = "a-long-password-1", roles = new[] { "job-control" } }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        var login = await _app.Client().PostAsJsonAsync("/api/login", new { username = name, password = "a-long-password-1" });
        login.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        login.Headers.Contains("Set-Cookie").ShouldBeFalse();
        var problem = JsonDocument.Parse(await login.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("detail").GetString()!.ShouldContain("cannot sign into the web UI");

        // With the user role as well, the same account may sign in (the original refused only job-control logins).
        (await _app.Admin().PatchAsJsonAsync($"/api/admin/users/{name}", new { roles = new[] { "job-control", "user" } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _app.Client().PostAsJsonAsync("/api/login", new { username = name, password = "a-long-password-1" })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_originals_live_tokens_come_with_the_database_import_and_tokens_it_had_replaced_stay_refused()
    {
        var issued = Now - 86400;
        var live = MintAsTheOriginal(["job-control"], "api", issued, issued + 87600L * 3600);
        var replaced = MintAsTheOriginal(["job-control"], "api", issued - 86400, issued - 86400 + 87600L * 3600);
        var browser = MintAsTheOriginal(["admin"], "root", Now - 60, Now + 86400);
        var original = await PostgresServer.CreateDatabaseAsync("original");
        await using (var conn = new NpgsqlConnection(original))
        {
            await conn.OpenAsync();
            // The original's tables (bun): one session row per user holds that user's latest token.
            await new NpgsqlCommand(OriginalSchema.Tables + $"""
                CREATE TABLE user_sessions (username VARCHAR PRIMARY KEY, token VARCHAR);
                INSERT INTO user_sessions VALUES ('api', '{live}'), ('root', '{browser}');
                """, conn).ExecuteNonQueryAsync();
        }
        var report = await _app.Services.GetRequiredService<OriginalDatabaseImport>().ImportAsync(original, dryRun: false, CancellationToken.None);
        report.TokensImported.ShouldBe(1);

        // Listed before its first use, so it can be revoked before the switch.
        var keys = JsonSerializer.Deserialize<List<ApiKeyInfo>>(await _app.Admin().GetStringAsync("/api/admin/api-keys"), HttpExtensions.Json)!;
        var key = keys.ShouldHaveSingleItem();
        key.Source.ShouldBe("original");
        key.LastUsedAt.ShouldBeNull();

        var cluster = Unique.Name("orig");
        (await Script(live).PutAsync("/api/job_start", StartBody(Unique.SlurmId(), cluster))).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The original had replaced this one (its session row holds the newer token): it does not come back to life.
        (await Script(replaced).PutAsync("/api/job_start", StartBody(Unique.SlurmId(), cluster))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // cc-slurm-adapter could use the original token too: X-AUTH-TOKEN, running jobs only.
        var adapter = _app.Client();
        adapter.DefaultRequestHeaders.Add("X-AUTH-TOKEN", live);
        (await adapter.GetAsync("/api/jobs/?state=running&items-per-page=10&page=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
