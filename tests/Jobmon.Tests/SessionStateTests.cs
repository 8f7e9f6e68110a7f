using System.Net;
using System.Net.Http.Json;
using Jobmon.Accounts;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>GET /api/session answers 200 signed in or not (the UI's start-up question, no 401 in the console).</summary>
[Collection(SharedAppCollection.Name)]
public sealed class SessionStateTests(SharedApp shared)
{
    private readonly JobmonApp _app = shared.App;

    [Fact]
    public async Task A_signed_out_browser_gets_200_saying_nobody_and_a_signed_in_one_its_user()
    {
        var anonymous = await _app.Client().GetAsync("/api/session");
        anonymous.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.Content.ReadAsStringAsync()).ShouldBe("{\"signedIn\":false,\"user\":null}");

        var name = Unique.Name("s");
        (await _app.Admin().PostAsJsonAsync("/api/admin/users", new { username = name, password = "password-of-" + name, roles = new[] { "user" } }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        var browser = _app.Client();
        var login = await browser.PostAsJsonAsync("/api/login", new { username = name, password = "password-of-" + name });
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        browser.DefaultRequestHeaders.Add("Cookie", login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("Authorization=")).Split(';')[0]);
        var session = await (await browser.GetAsync("/api/session")).ReadAs<SessionInfo>();
        session.SignedIn.ShouldBeTrue();
        session.User!.Username.ShouldBe(name);
        session.User.Roles.ShouldBe(["user"]);

        var admin = await (await _app.Admin().GetAsync("/api/session")).ReadAs<SessionInfo>();
        admin.SignedIn.ShouldBeTrue();
        admin.User!.Roles.ShouldContain("admin");

        // A wrong token is nobody here (the API's other endpoints answer it 401).
        var wrong = await (await _app.Client("not-a-token").GetAsync("/api/session")).ReadAs<SessionInfo>();
        wrong.SignedIn.ShouldBeFalse();
    }
}
