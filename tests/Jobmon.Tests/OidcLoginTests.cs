using System.Net;
using System.Net.Http.Json;
using Jobmon.Accounts;
using Jobmon.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Configuration;
using Misbehaviour = Jobmon.Tests.Infrastructure.TestOidcProvider.Misbehaviour;

namespace Jobmon.Tests;

/// <summary>A browser: follows redirects by hand (so each hop can be checked) and keeps cookies.</summary>
public sealed class Browser : IDisposable
{
    public CookieContainer Jar { get; } = new();
    public HttpClient Http { get; }
    public List<Uri> Visited { get; } = [];

    public Browser() => Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = Jar });

    /// <summary>From Jobmon's login route through the provider to Jobmon's callback; returns the callback's response.</summary>
    public Task<HttpResponseMessage> LoginAsync(string jobmonUrl) => FollowAsync(new Uri(jobmonUrl + OidcLogin.LoginPath));

    public async Task<HttpResponseMessage> FollowAsync(Uri url)
    {
        for (var hop = 0; hop < 8; hop++)
        {
            Visited.Add(url);
            var response = await Http.GetAsync(url);
            var status = (int)response.StatusCode;
            if (url.AbsolutePath == OidcLogin.CallbackPath || status is < 300 or >= 400 || response.Headers.Location is null) return response;
            url = new Uri(url, response.Headers.Location);
        }
        throw new InvalidOperationException("too many redirects: " + string.Join(" -> ", Visited));
    }

    public string[] CookieNames(string url) => Jar.GetCookies(new Uri(url)).Select(c => c.Name).ToArray();

    public void Dispose() => Http.Dispose();
}

public sealed class OidcFixture : IAsyncLifetime
{
    public TestOidcProvider Provider { get; private set; } = null!;
    public JobmonApp App { get; private set; } = null!;
    public string Url => App.KestrelUrl!;

    public static Dictionary<string, string?> Settings(TestOidcProvider provider, bool autoAssign) => new()
    {
        // The environment-variable names operators use, plus the Jobmon:Oidc section.
        ["JOBMON_OIDC_AUTHORITY"] = provider.Issuer,
        ["JOBMON_OIDC_CLIENT_ID"] = TestOidcProvider.ClientId,
        ["JOBMON_OIDC_CLIENT_SECRET"] = TestOidcProvider.ClientSecret,
        ["Jobmon:Oidc:RequireHttpsMetadata"] = "false", // the test provider speaks http on loopback
        ["Jobmon:Oidc:AutoAssignUserRole"] = autoAssign ? "true" : "false",
    };

    public async Task InitializeAsync()
    {
        Provider = await TestOidcProvider.StartAsync();
        App = await JobmonApp.StartAsync(extra: Settings(Provider, autoAssign: true), kestrelPort: PostgresServer.FreePort());
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public sealed class OidcLoginTests(OidcFixture fx) : IClassFixture<OidcFixture>
{
    private TestOidcProvider Provider => fx.Provider;

    private async Task<UserInfo?> AccountAsync(string username) =>
        (await (await fx.App.Admin().GetAsync("/api/admin/users")).ReadAs<List<UserInfo>>()).SingleOrDefault(u => u.Username == username);

    private async Task AssertRefusedAsync(Browser browser, HttpResponseMessage response, HttpStatusCode status, string user)
    {
        response.StatusCode.ShouldBe(status, await response.Content.ReadAsStringAsync());
        response.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith("Authorization="));
        browser.CookieNames(fx.Url).ShouldNotContain("Authorization");
        (await browser.Http.GetAsync(fx.Url + "/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        if (status == HttpStatusCode.Unauthorized) (await AccountAsync(user)).ShouldBeNull();
    }

    [Fact]
    public async Task A_new_user_logs_in_with_code_and_pkce_and_gets_an_account_with_the_user_role_and_a_session_cookie()
    {
        var user = Unique.Name("oidc-ann-");
        Provider.NextUser = user;
        Provider.Log.Clear();
        using var browser = new Browser();
        var response = await browser.LoginAsync(fx.Url);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        response.Headers.Location!.ToString().ShouldBe("/jobs");
        browser.Visited.Select(u => (u.Port, u.AbsolutePath)).ShouldBe(
            [(new Uri(fx.Url).Port, "/auth/oauth/login"), (new Uri(Provider.Issuer).Port, "/authorize"), (new Uri(fx.Url).Port, "/auth/oauth/callback")]);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization="));
        setCookie.ShouldContain("httponly", Case.Insensitive);
        setCookie.ShouldContain("samesite=lax", Case.Insensitive);
        setCookie.ShouldContain("path=/", Case.Insensitive);

        // What the provider saw: PKCE S256 and a nonce asked for, the confidential client authenticated, the verifier matched.
        var log = Provider.Log.ToArray();
        log.ShouldContain(l => l.StartsWith("authorize") && l.Contains("code_challenge_method=S256 has_challenge=True has_nonce=True") && l.Contains("scope=openid profile email"));
        log.ShouldContain("token grant_type=authorization_code client_ok=True code_known=True verifier_ok=True");
        log.ShouldContain("userinfo bearer=True");

        // The handshake's cookies are gone and no other sign-in cookie exists: only Jobmon's session.
        browser.CookieNames(fx.Url + OidcLogin.CallbackPath).ShouldBe(["Authorization"]);
        var me = await (await browser.Http.GetAsync(fx.Url + "/api/me")).ReadAs<Me>();
        me.Username.ShouldBe(user);
        me.Roles.ShouldBe(["user"]);
        (await browser.Http.GetAsync(fx.Url + "/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var account = (await AccountAsync(user))!;
        account.Source.ShouldBe("oidc");
        account.Roles.ShouldBe(["user"]);

        // A second login reuses the account; both logins are in its history as oidc logins.
        using var again = new Browser();
        (await again.LoginAsync(fx.Url)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await (await again.Http.GetAsync(fx.Url + "/api/me")).ReadAs<Me>()).Username.ShouldBe(user);
        (await (await fx.App.Admin().GetAsync("/api/admin/users")).ReadAs<List<UserInfo>>()).Count(u => u.Username == user).ShouldBe(1);
        await using var query = fx.App.Store.QuerySession();
        var stored = await query.Query<UserAccount>().SingleAsync(a => a.Username == user);
        var events = await query.Events.FetchStreamAsync(stored.Id);
        events.Select(e => e.Data).OfType<UserLoggedIn>().Select(e => e.Method).ShouldBe(["oidc", "oidc"]);
        events.Select(e => e.Data).OfType<UserCreated>().Single().PasswordHash.ShouldBeNull();

        // Logout ends the session like any other.
        (await browser.Http.PostAsync(fx.Url + "/api/logout", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await browser.Http.GetAsync(fx.Url + "/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_username_may_come_from_userinfo_and_the_auth_methods_show_oidc()
    {
        var methods = await (await fx.App.Client().GetAsync("/api/auth/methods")).ReadAs<AuthMethods>();
        methods.ShouldBe(new AuthMethods(true, true));

        var user = Unique.Name("oidc-uinfo-");
        Provider.NextUser = user;
        Provider.UsernameOnlyInUserinfo = true;
        try
        {
            using var browser = new Browser();
            (await browser.LoginAsync(fx.Url)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            (await (await browser.Http.GetAsync(fx.Url + "/api/me")).ReadAs<Me>()).Username.ShouldBe(user);
        }
        finally { Provider.UsernameOnlyInUserinfo = false; }
    }

    [Fact]
    public async Task A_code_exchange_that_fails_pkce_verification_is_refused()
    {
        var user = Unique.Name("oidc-pkce-");
        Provider.NextUser = user;
        Provider.Misbehave = Misbehaviour.RejectPkceVerifier;
        Provider.Log.Clear();
        try
        {
            using var browser = new Browser();
            var response = await browser.LoginAsync(fx.Url);
            Provider.Log.ShouldContain("token grant_type=authorization_code client_ok=True code_known=True verifier_ok=False");
            await AssertRefusedAsync(browser, response, HttpStatusCode.Unauthorized, user);
        }
        finally { Provider.Misbehave = Misbehaviour.None; }
    }

    [Theory]
    [InlineData(Misbehaviour.BadSignature)]
    [InlineData(Misbehaviour.WrongAudience)]
    [InlineData(Misbehaviour.WrongIssuer)]
    [InlineData(Misbehaviour.WrongNonce)]
    [InlineData(Misbehaviour.Expired)]
    public async Task Id_tokens_that_fail_validation_are_refused(Misbehaviour misbehaviour)
    {
        var user = Unique.Name("oidc-bad-");
        Provider.NextUser = user;
        Provider.Misbehave = misbehaviour;
        Provider.Log.Clear();
        try
        {
            using var browser = new Browser();
            var response = await browser.LoginAsync(fx.Url);
            // The exchange itself succeeded: the ID token is what Jobmon refused.
            Provider.Log.ShouldContain("token grant_type=authorization_code client_ok=True code_known=True verifier_ok=True");
            await AssertRefusedAsync(browser, response, HttpStatusCode.Unauthorized, user);
        }
        finally { Provider.Misbehave = Misbehaviour.None; }
    }

    [Fact]
    public async Task Disabled_accounts_and_names_of_local_accounts_are_refused()
    {
        var user = Unique.Name("oidc-dora-");
        Provider.NextUser = user;
        using (var first = new Browser()) (await first.LoginAsync(fx.Url)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await fx.App.Admin().PatchAsJsonAsync($"/api/admin/users/{user}", new { disabled = true })).EnsureSuccessStatusCode();
        using (var browser = new Browser())
        {
            var response = await browser.LoginAsync(fx.Url);
            await AssertRefusedAsync(browser, response, HttpStatusCode.Forbidden, user);
            (await response.Content.ReadAsStringAsync()).ShouldContain("disabled");
        }

        // An identity-provider user named like a local account (here: the bootstrap admin) never takes it over.
        Provider.NextUser = "admin";
        using (var browser = new Browser())
        {
            var response = await browser.LoginAsync(fx.Url);
            await AssertRefusedAsync(browser, response, HttpStatusCode.Forbidden, "admin");
        }
        (await AccountAsync("admin"))!.Source.ShouldBe("local");
    }

    [Fact]
    public async Task A_login_started_on_one_replica_completes_on_another()
    {
        // The handshake's state is protected with Data Protection keys kept in PostgreSQL, shared by the replicas.
        await using var replica = await JobmonApp.StartAsync(fx.App.ConnectionString, daemonMode: "HotCold",
            extra: OidcFixture.Settings(Provider, autoAssign: true), kestrelPort: PostgresServer.FreePort());
        var user = Unique.Name("oidc-ha-");
        Provider.NextUser = user;
        using var browser = new Browser();
        var start = await browser.Http.GetAsync(fx.Url + OidcLogin.LoginPath);
        start.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var approve = await browser.Http.GetAsync(start.Headers.Location!);
        var callback = new UriBuilder(approve.Headers.Location!) { Port = new Uri(replica.KestrelUrl!).Port }.Uri;
        var done = await browser.FollowAsync(callback);
        done.StatusCode.ShouldBe(HttpStatusCode.Redirect, await done.Content.ReadAsStringAsync());
        (await (await browser.Http.GetAsync(replica.KestrelUrl + "/api/me")).ReadAs<Me>()).Username.ShouldBe(user);
        (await (await browser.Http.GetAsync(fx.Url + "/api/me")).ReadAs<Me>()).Username.ShouldBe(user);
        await using var query = fx.App.Store.QuerySession();
        (await query.Query<Jobmon.Infrastructure.DataProtectionKeyDocument>().CountAsync()).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Replayed_and_forged_callbacks_are_refused()
    {
        Provider.NextUser = Unique.Name("oidc-replay-");
        using var browser = new Browser();
        (await browser.LoginAsync(fx.Url)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var callback = browser.Visited.Last();
        callback.AbsolutePath.ShouldBe(OidcLogin.CallbackPath);

        // The callback again (a leaked URL): the correlation cookie belonged to the browser that started, and was used up.
        using (var other = new Browser()) (await other.FollowAsync(callback)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await browser.FollowAsync(callback)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // A forged state.
        using (var forger = new Browser())
            (await forger.FollowAsync(new Uri($"{fx.Url}{OidcLogin.CallbackPath}?code=abc&state=forged"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // A callback minted for one browser's login, followed in another (login CSRF): no correlation cookie there.
        using (var victim = new Browser())
        {
            var start = await victim.Http.GetAsync(fx.Url + OidcLogin.LoginPath);
            var authorize = start.Headers.Location!;
            var approve = await victim.Http.GetAsync(authorize);
            using var attacker = new Browser();
            (await attacker.FollowAsync(approve.Headers.Location!)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
    }
}

/// <summary>Without auto_assign_user_role a new OIDC user has no role, and gets one through an access request.</summary>
public sealed class OidcWithoutAutoAssignTests : IAsyncLifetime
{
    private TestOidcProvider _provider = null!;
    private JobmonApp _app = null!;

    public async Task InitializeAsync()
    {
        _provider = await TestOidcProvider.StartAsync();
        _app = await JobmonApp.StartAsync(extra: OidcFixture.Settings(_provider, autoAssign: false), kestrelPort: PostgresServer.FreePort());
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_new_oidc_user_has_no_role_until_an_admin_approves_an_access_request()
    {
        var user = Unique.Name("oidc-norole-");
        _provider.NextUser = user;
        using var browser = new Browser();
        (await browser.LoginAsync(_app.KestrelUrl!)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var url = _app.KestrelUrl!;
        (await (await browser.Http.GetAsync(url + "/api/me")).ReadAs<Me>()).Roles.ShouldBeEmpty();
        (await browser.Http.GetAsync(url + "/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var created = await (await browser.Http.PostAsJsonAsync(url + "/api/access-requests", new { message = "I run jobs on horeka" })).ReadAs<AccessRequestInfo>();
        created.Status.ShouldBe("pending");
        created.Username.ShouldBe(user);
        (await _app.Admin().PostAsJsonAsync($"/api/admin/access-requests/{created.Id}/approve", new { roles = new[] { "user" } })).EnsureSuccessStatusCode();

        (await (await browser.Http.GetAsync(url + "/api/me")).ReadAs<Me>()).Roles.ShouldBe(["user"]);
        (await browser.Http.GetAsync(url + "/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class OidcSettingsTests
{
    private static JobmonSettingsProbe Load(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)).Append(new("JOBMON_POSTGRES", "Host=localhost")))
            .Build();
        try { return new JobmonSettingsProbe(Jobmon.Infrastructure.JobmonSettings.Load(configuration), null); }
        catch (InvalidOperationException e) { return new JobmonSettingsProbe(null, e.Message); }
    }

    private sealed record JobmonSettingsProbe(Jobmon.Infrastructure.JobmonSettings? Settings, string? Error);

    [Fact]
    public void Oidc_and_email_settings_are_read_from_the_environment_and_checked_at_start()
    {
        var ok = Load(("JOBMON_OIDC_AUTHORITY", "https://login.example.org/realms/hpc"), ("JOBMON_OIDC_CLIENT_ID", "jobmon"),
            ("JOBMON_OIDC_CLIENT_SECRET", "s3cret"), ("Jobmon:Oidc:Scopes", "openid, profile groups"), ("Jobmon:Oidc:AutoAssignUserRole", "true"),
            ("Jobmon:Email:SmtpHost", "mail.example.org"), ("Jobmon:Email:Sender", "jobmon@example.org"), ("Jobmon:Email:Receiver", "admins@example.org"),
            ("JOBMON_SMTP_PASSWORD", "mail-secret")).Settings!;
        ok.Oidc.Enabled.ShouldBeTrue();
        ok.Oidc.ClientSecret.ShouldBe("s3cret");
        ok.Oidc.ScopeList.ShouldBe(["openid", "profile", "groups"]);
        ok.Oidc.UsernameClaim.ShouldBe("preferred_username");
        ok.Oidc.AfterLoginRedirect.ShouldBe("/jobs");
        ok.Oidc.AutoAssignUserRole.ShouldBeTrue();
        ok.Email.Enabled.ShouldBeTrue();
        ok.Email.Password.ShouldBe("mail-secret");
        Load().Settings!.Oidc.Enabled.ShouldBeFalse();

        Load(("JOBMON_OIDC_AUTHORITY", "https://login.example.org")).Error.ShouldNotBeNull().ShouldContain("CLIENT_ID");
        Load(("JOBMON_OIDC_AUTHORITY", "http://login.example.org"), ("JOBMON_OIDC_CLIENT_ID", "j")).Error.ShouldNotBeNull().ShouldContain("https");
        Load(("JOBMON_OIDC_AUTHORITY", "https://login.example.org"), ("JOBMON_OIDC_CLIENT_ID", "j"), ("Jobmon:Oidc:AfterLoginRedirect", "//evil.example"))
            .Error.ShouldNotBeNull().ShouldContain("AfterLoginRedirect");
        Load(("JOBMON_OIDC_AUTHORITY", "https://login.example.org"), ("JOBMON_OIDC_CLIENT_ID", "j"), ("Jobmon:Oidc:Scopes", "profile"))
            .Error.ShouldNotBeNull().ShouldContain("openid");
        Load(("Jobmon:Email:SmtpHost", "mail.example.org"), ("Jobmon:Email:Sender", "jobmon"), ("Jobmon:Email:Receiver", "admins@example.org"))
            .Error.ShouldNotBeNull().ShouldContain("e-mail address");
    }
}
