using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Jobmon.Accounts;
using Jobmon.Tests.Infrastructure;
using Marten;

namespace Jobmon.Tests;

public sealed class AccessRequestFixture : IAsyncLifetime
{
    public const string Sender = "jobmon@example.org";
    public const string Receiver = "hpc-admins@example.org";
    public TestSmtpServer Smtp { get; } = new();
    public JobmonApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await JobmonApp.StartAsync(extra: new Dictionary<string, string?>
    {
        ["Jobmon:Email:SmtpHost"] = "127.0.0.1",
        ["Jobmon:Email:SmtpPort"] = Smtp.Port.ToString(),
        ["Jobmon:Email:Sender"] = Sender,
        ["Jobmon:Email:Receiver"] = Receiver,
    });

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    /// <summary>The next mail about this user (mails of other tests are skipped).</summary>
    public async Task<SmtpMessage> MailAboutAsync(string username, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"no mail about {username}");
            var mail = await Smtp.NextMessageAsync(left);
            if (mail.Header("Subject").Contains(username)) return mail;
        }
    }
}

public sealed class AccessRequestTests(AccessRequestFixture fx) : IClassFixture<AccessRequestFixture>
{
    private JobmonApp App => fx.App;

    /// <summary>A local account without a role, signed in with the session cookie as the browser is.</summary>
    private async Task<(string Name, HttpClient Client)> RolelessUserAsync()
    {
        var name = Unique.Name("req-");
        (await App.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = "request-password-1" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var response = await App.Client().PostAsJsonAsync("/api/login", new { username = name, password = "request-password-1" });
        response.EnsureSuccessStatusCode();
        var client = App.Client();
        client.DefaultRequestHeaders.Add("Cookie", response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0]);
        return (name, client);
    }

    [Fact]
    public async Task A_signed_in_person_without_a_role_requests_access_and_an_admin_approves_it_with_roles()
    {
        var (name, client) = await RolelessUserAsync();
        (await (await client.GetAsync("/api/me")).ReadAs<Me>()).Roles.ShouldBeEmpty();
        (await client.GetAsync("/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var response = await client.PostAsJsonAsync("/api/access-requests", new { message = "PhD student, group hpc-lab" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var request = await response.ReadAs<AccessRequestInfo>();
        request.ShouldSatisfyAllConditions(
            () => request.Username.ShouldBe(name), () => request.Status.ShouldBe("pending"),
            () => request.Message.ShouldBe("PhD student, group hpc-lab"), () => request.RolesAtRequest.ShouldBeEmpty());
        (await (await client.GetAsync("/api/access-requests")).ReadAs<List<AccessRequestInfo>>()).Single().Id.ShouldBe(request.Id);

        var pending = await (await App.Admin().GetAsync("/api/admin/access-requests")).ReadAs<List<AccessRequestInfo>>();
        pending.ShouldContain(r => r.Id == request.Id);
        (await client.GetAsync("/api/admin/access-requests")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.PostAsJsonAsync($"/api/admin/access-requests/{request.Id}/approve", new { roles = new[] { "admin" } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await App.Admin().PostAsJsonAsync($"/api/admin/access-requests/{request.Id}/approve", new { roles = new[] { "superuser" } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var approved = await (await App.Admin().PostAsJsonAsync($"/api/admin/access-requests/{request.Id}/approve", new { roles = new[] { "user" } })).ReadAs<AccessRequestInfo>();
        approved.Status.ShouldBe("approved");
        approved.GrantedRoles.ShouldBe(["user"]);
        approved.DecidedBy.ShouldBe("admin-token");

        // The role applies on the next request, through the account's own event.
        (await (await client.GetAsync("/api/me")).ReadAs<Me>()).Roles.ShouldBe(["user"]);
        (await client.GetAsync("/api/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using (var query = App.Store.QuerySession())
        {
            var account = await query.Query<UserAccount>().SingleAsync(a => a.Username == name);
            var changed = (await query.Events.FetchStreamAsync(account.Id)).Select(e => e.Data).OfType<UserRolesChanged>().Single();
            changed.Roles.ShouldBe(["user"]);
            changed.ChangedBy.ShouldBe("admin-token");
            (await query.Events.FetchStreamAsync(request.Id)).Select(e => e.Data.GetType().Name).ShouldBe(["AccessRequested", "AccessRequestApproved"]);
        }

        // Decided requests leave the pending list and cannot be decided again.
        (await (await App.Admin().GetAsync("/api/admin/access-requests")).ReadAs<List<AccessRequestInfo>>()).ShouldNotContain(r => r.Id == request.Id);
        (await (await App.Admin().GetAsync("/api/admin/access-requests?status=approved")).ReadAs<List<AccessRequestInfo>>()).ShouldContain(r => r.Id == request.Id);
        (await App.Admin().PostAsync($"/api/admin/access-requests/{request.Id}/reject", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await App.Admin().PostAsync($"/api/admin/access-requests/{Guid.NewGuid()}/approve", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task At_most_one_request_is_pending_and_three_are_made_a_day()
    {
        var (_, client) = await RolelessUserAsync();
        var first = await (await client.PostAsync("/api/access-requests", null)).ReadAs<AccessRequestInfo>(); // the message is optional
        first.Message.ShouldBeNull();
        var duplicate = await client.PostAsJsonAsync("/api/access-requests", new { message = "again" });
        duplicate.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await duplicate.Content.ReadAsStringAsync()).ShouldContain(first.Id.ToString());

        var rejected = await (await App.Admin().PostAsJsonAsync($"/api/admin/access-requests/{first.Id}/reject", new { reason = "unknown group" })).ReadAs<AccessRequestInfo>();
        rejected.Status.ShouldBe("rejected");
        rejected.Reason.ShouldBe("unknown group");
        for (var i = 2; i <= 3; i++)
        {
            var next = await (await client.PostAsJsonAsync("/api/access-requests", new { message = $"try {i}" })).ReadAs<AccessRequestInfo>();
            (await App.Admin().PostAsync($"/api/admin/access-requests/{next.Id}/reject", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        var fourth = await client.PostAsJsonAsync("/api/access-requests", new { message = "try 4" });
        fourth.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        int.Parse(fourth.Headers.GetValues("Retry-After").Single()).ShouldBeInRange(82_000, 86_400);
        (await (await client.GetAsync("/api/access-requests")).ReadAs<List<AccessRequestInfo>>()).Count.ShouldBe(3);

        // Bad input, API keys (no person to grant roles to) and anonymous callers.
        (await client.PostAsJsonAsync("/api/access-requests", new { message = new string('x', 1001) })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var key = await (await App.Admin().PostAsJsonAsync("/api/admin/api-keys", new { name = Unique.Name("k"), role = "job-control" })).ReadAs<NewApiKey>();
        (await App.Client(key.Token).PostAsync("/api/access-requests", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await App.Client().PostAsync("/api/access-requests", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_new_request_mails_the_admins_in_the_background_and_a_refusing_mail_server_only_delays_the_mail()
    {
        var (name, client) = await RolelessUserAsync();
        fx.Smtp.RefuseNext(); // the first delivery attempt gets "451 try again later"
        var watch = Stopwatch.StartNew();
        var response = await client.PostAsJsonAsync("/api/access-requests", new { message = "Please add me to project\r\n.\r\nX-Evil: header" });
        watch.Stop();
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));

        var mail = await fx.MailAboutAsync(name, TimeSpan.FromSeconds(60));
        mail.From.ShouldBe(AccessRequestFixture.Sender);
        mail.To.ShouldBe([AccessRequestFixture.Receiver]);
        mail.Header("Subject").ShouldBe($"Role request by {name}");
        mail.Header("To").ShouldBe(AccessRequestFixture.Receiver);
        mail.Header("X-Evil").ShouldBeEmpty(); // the user's message is body text only
        mail.Body.ShouldContain($"{name} asks for access to Jobmon.");
        mail.Body.ShouldContain("Please add me to project");
        mail.Body.ShouldContain("Current roles: (none)");
        fx.Smtp.Connections.ShouldBeGreaterThanOrEqualTo(2); // refused once, then delivered on the retry
    }

    [Fact]
    public async Task Concurrent_requests_of_one_person_leave_exactly_one_pending()
    {
        var (_, client) = await RolelessUserAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => client.PostAsJsonAsync("/api/access-requests", new { message = $"parallel {i}" })));
        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).ShouldBe(5);
        (await (await client.GetAsync("/api/access-requests")).ReadAs<List<AccessRequestInfo>>()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_smtp_client_stuffs_dots_encodes_the_body_and_never_sends_a_password_without_tls()
    {
        await using var smtp = new TestSmtpServer();
        var settings = new Jobmon.Infrastructure.JobmonSettings
        {
            Email = new() { SmtpHost = "127.0.0.1", SmtpPort = smtp.Port, Sender = "jobmon@example.org", Receiver = "a@example.org, b@example.org" },
        };
        var mailer = new Jobmon.Infrastructure.SmtpMailer(settings, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Jobmon.Infrastructure.SmtpMailer>.Instance);
        await mailer.SendAsync("Grüße\r\nBcc: x@example.org", "first line\n.\n..two dots\nüber", CancellationToken.None);
        var mail = await smtp.NextMessageAsync(TimeSpan.FromSeconds(10));
        mail.To.ShouldBe(["a@example.org", "b@example.org"]);
        mail.Body.ShouldBe("first line\r\n.\r\n..two dots\r\nüber");
        mail.Header("Subject").ShouldStartWith("=?utf-8?", Case.Insensitive); // RFC 2047: headers are ASCII
        mail.DecodedHeader("Subject").ShouldBe("Grüße  Bcc: x@example.org"); // the line break is no header of its own
        mail.Header("Bcc").ShouldBeEmpty();
        smtp.Commands.ShouldContain("QUIT");

        settings.Email.Password = "smtp-secret-password";
        var refused = await Should.ThrowAsync<Jobmon.Infrastructure.SmtpDeliveryException>(() => mailer.SendAsync("s", "b", CancellationToken.None));
        refused.Message.ShouldContain("without TLS");
        smtp.Commands.ShouldNotContain(c => c.StartsWith("AUTH") || c.Contains("smtp-secret-password"));
    }

    [Fact]
    public async Task Without_oidc_configured_the_login_route_is_not_found_and_the_methods_say_local_only()
    {
        var methods = await (await App.Client().GetAsync("/api/auth/methods")).ReadAs<AuthMethods>();
        methods.ShouldBe(new AuthMethods(true, false));
        var login = await App.Client().GetAsync("/auth/oauth/login");
        login.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        login.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }
}
