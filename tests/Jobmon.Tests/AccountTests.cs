using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobmon.Accounts;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jobmon.Tests;

public sealed class AccountTests : IAsyncLifetime
{
    private JobmonApp _app = null!;
    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync(extra: new Dictionary<string, string?> { ["JOBMON_ADMIN_PASSWORD"] = "bootstrap-password-1" });
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task CreateUserAsync(string name, string password, params string[] roles) =>
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password, roles })).StatusCode.ShouldBe(HttpStatusCode.Created);

    /// <summary>Signs in like the browser does and returns a client carrying the session cookie.</summary>
    private async Task<(HttpClient Client, string Cookie)> LoginAsync(string name, string password)
    {
        var client = _app.Client();
        var response = await client.PostAsJsonAsync("/api/login", new { username = name, password });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization="));
        setCookie.ShouldContain("httponly", Case.Insensitive);
        setCookie.ShouldContain("samesite=lax", Case.Insensitive);
        var cookie = setCookie.Split(';')[0];
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return (client, cookie);
    }

    private async Task<Guid> StartJobAsync(string user)
    {
        var job = new SlurmJob(Unique.Name("acc"), Unique.SlurmId(), User: user);
        return (await (await _app.Ingest().PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).ReadAs<Jobmon.Jobs.Ingestion.IngestionResult>()).JobId;
    }

    [Fact]
    public async Task Bootstrap_admin_logs_in_and_users_see_only_their_own_jobs()
    {
        var (admin, _) = await LoginAsync("admin", "bootstrap-password-1");
        (await admin.GetFromJsonAsync<Me>("/api/me", HttpExtensions.Json))!.Roles.ShouldBe(["admin"]);
        await CreateUserAsync("alice", "alice-password-1", "user");
        await CreateUserAsync("bob", "bob-password-12", "user");
        var aliceJob = await StartJobAsync("alice");
        await StartJobAsync("bob");

        var (alice, _) = await LoginAsync("alice", "alice-password-1");
        var (bob, _) = await LoginAsync("bob", "bob-password-12");
        var aliceList = await (await alice.GetAsync("/api/jobs?user=bob")).ReadAs<JobListPage>(); // asking for bob's is ignored
        aliceList.Items.ShouldAllBe(j => j.User == "alice");
        aliceList.Items.ShouldContain(j => j.Id == aliceJob);
        (await bob.GetAsync($"/api/jobs/{aliceJob}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.GetAsync($"/api/jobs/{aliceJob}/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.PostAsJsonAsync($"/api/jobs/{aliceJob}/tags", new { name = "mine" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await alice.PostAsJsonAsync($"/api/jobs/{aliceJob}/tags", new { name = "mine" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.GetAsync($"/api/jobs/{aliceJob}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await alice.GetAsync("/api/admin/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Role_changes_and_disabling_apply_on_the_next_request_and_logout_revokes_only_that_session()
    {
        await CreateUserAsync("carol", "carol-password-1", "user");
        var (first, _) = await LoginAsync("carol", "carol-password-1");
        var (second, _) = await LoginAsync("carol", "carol-password-1"); // several sessions at once
        (await first.GetAsync("/api/summaries/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await _app.Admin().PatchAsJsonAsync("/api/admin/users/carol", new { roles = new[] { "admin" } })).EnsureSuccessStatusCode();
        (await first.GetAsync("/api/summaries/users")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await first.PostAsync("/api/logout", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await first.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await second.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await _app.Admin().PatchAsJsonAsync("/api/admin/users/carol", new { disabled = true })).EnsureSuccessStatusCode();
        (await second.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _app.Client().PostAsJsonAsync("/api/login", new { username = "carol", password = "carol-password-1" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Imported_bcrypt_hashes_verify_and_are_upgraded()
    {
        var hash = BCrypt.Net.BCrypt.HashPassword("legacy-password", 4).Replace("$2a$", "$2b$"); // as gen_bcrypt_hash.py writes
        Passwords.Verify(hash, "legacy-password").ShouldBe((true, true));
        Passwords.Verify(hash, "wrong").Ok.ShouldBeFalse();
        var pbkdf2 = Passwords.Hash("new-password-1");
        Passwords.Verify(pbkdf2, "new-password-1").ShouldBe((true, false));
        pbkdf2.ShouldNotContain("new-password-1");
    }

    [Fact]
    public async Task Api_keys_are_shown_once_scoped_revocable_and_independent()
    {
        var created = await (await _app.Admin().PostAsJsonAsync("/api/admin/api-keys", new { name = "horeka", role = "job-control" })).ReadAs<NewApiKey>();
        var other = await (await _app.Admin().PostAsJsonAsync("/api/admin/api-keys", new { name = "haicore", role = "job-control" })).ReadAs<NewApiKey>();
        var reader = await (await _app.Admin().PostAsJsonAsync("/api/admin/api-keys", new { name = "grafana", role = "read-only" })).ReadAs<NewApiKey>();
        var legacy = await (await _app.Admin().PostAsync("/api/generateAPIKey", null)).Content.ReadAsStringAsync();

        var job = new SlurmJob(Unique.Name("k"), Unique.SlurmId());
        (await _app.Client(created.Token).PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var viaCookie = _app.Client();
        viaCookie.DefaultRequestHeaders.Add("Cookie", $"Authorization=Bearer {legacy}");
        (await viaCookie.PutAsync("/api/job_start", HttpExtensions.FormJson((job with { Id = Unique.SlurmId() }).StartJson()))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _app.Client(created.Token).GetAsync("/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await (await _app.Client(reader.Token).GetAsync($"/api/jobs?cluster={job.Cluster}")).ReadAs<JobListPage>()).Total.ShouldBe(2);
        (await _app.Client(reader.Token).PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var listed = await (await _app.Admin().GetAsync("/api/admin/api-keys")).Content.ReadAsStringAsync();
        listed.ShouldNotContain(created.Token);
        listed.ShouldNotContain(created.Token.Split('_')[2]);
        var keys = JsonSerializer.Deserialize<List<ApiKeyInfo>>(listed, HttpExtensions.Json)!;
        keys.Single(k => k.Id == created.Id).LastUsedAt.ShouldNotBeNull();

        (await _app.Admin().DeleteAsync($"/api/admin/api-keys/{created.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _app.Client(created.Token).PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _app.Client(other.Token).PutAsync("/api/job_start", HttpExtensions.FormJson(job.StartJson()))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Forged_expired_alg_none_and_wrong_key_tokens_are_rejected()
    {
        await CreateUserAsync("dave", "dave-password-1", "admin");
        var (_, cookie) = await LoginAsync("dave", "dave-password-1");
        var jwt = Uri.UnescapeDataString(cookie["Authorization=".Length..])["Bearer ".Length..];
        (await _app.Client(jwt).GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var parts = jwt.Split('.');
        string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1].Replace('-', '+').Replace('_', '/').PadRight((parts[1].Length + 3) / 4 * 4, '=')));
        var forgedPayload = B64(payload.Replace("\"sub\":\"dave\"", "\"sub\":\"admin\""));
        var attempts = new[]
        {
            $"{B64("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{parts[1]}.",                  // alg none
            $"{parts[0]}.{forgedPayload}.{parts[2]}",                                     // payload changed, signature kept
            $"{parts[0]}.{parts[1]}.{B64("not-the-signature-at-all-0123456789")}",        // wrong key / bad signature
            "not.a.jwt",
        };
        foreach (var token in attempts) (await _app.Client(token).GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, token);

        // Same claims signed with another key, wrong issuer, or expired: rejected.
        var otherKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(new byte[32]);
        string Make(string issuer, DateTime expires, Microsoft.IdentityModel.Tokens.SecurityKey key) => new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(
            new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
            {
                Issuer = issuer, Audience = "jobmon", Expires = expires, NotBefore = expires.AddHours(-2), IssuedAt = expires.AddHours(-2),
                Claims = new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString(), ["sub"] = "dave" },
                SigningCredentials = new(key, "HS256"),
            });
        var realKey = await _app.Services.GetRequiredService<AccountService>().SigningKeyAsync();
        (await _app.Client(Make("jobmon", DateTime.UtcNow.AddHours(1), otherKey)).GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _app.Client(Make("evil", DateTime.UtcNow.AddHours(1), realKey)).GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _app.Client(Make("jobmon", DateTime.UtcNow.AddHours(-1), realKey)).GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // Correctly signed but for a session that does not exist: rejected too.
        (await _app.Client(Make("jobmon", DateTime.UtcNow.AddHours(1), realKey)).GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Cross_site_cookie_requests_are_refused_but_same_origin_and_scripts_pass()
    {
        await CreateUserAsync("erin", "erin-password-1", "user");
        var jobId = await StartJobAsync("erin");
        var (erin, _) = await LoginAsync("erin", "erin-password-1");

        var crossSite = new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{jobId}/tags") { Content = JsonContent.Create(new { name = "csrf" }) };
        crossSite.Headers.Add("Origin", "https://evil.example");
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        (await erin.SendAsync(crossSite)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var sameOrigin = new HttpRequestMessage(HttpMethod.Post, $"/api/jobs/{jobId}/tags") { Content = JsonContent.Create(new { name = "ok" }) };
        sameOrigin.Headers.Add("Origin", "http://localhost");
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");
        (await erin.SendAsync(sameOrigin)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var detail = await (await erin.GetAsync($"/api/jobs/{jobId}")).ReadAs<JobDetail>();
        detail.Tags.Select(t => t.Name).ShouldBe(["ok"]);
    }

    [Fact]
    public async Task Logins_are_rate_limited_per_account_and_never_leak_secrets()
    {
        await CreateUserAsync("frank", "frank-password-1", "user");
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
            (await _app.Client().PostAsJsonAsync("/api/login", new { username = "frank", password = "wrong" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _app.Client().PostAsJsonAsync("/api/login", new { username = "frank", password = "frank-password-1" })).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);

        var users = await (await _app.Admin().GetAsync("/api/admin/users")).Content.ReadAsStringAsync();
        users.ShouldNotContain("AQAAAA"); // PBKDF2 hash prefix
        users.ShouldNotContain("$2");
        users.ShouldNotContain("password", Case.Insensitive);
    }

    [Fact]
    public async Task Security_headers_are_on_every_response()
    {
        foreach (var path in new[] { "/api/ping", "/api/jobs", "/api/nothing-here" })
        {
            var response = await _app.Client().GetAsync(path);
            response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
            response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
        }
    }
}
