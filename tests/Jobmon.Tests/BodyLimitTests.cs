using System.Net;
using System.Text;
using Jobmon.Tests.Infrastructure;

namespace Jobmon.Tests;

/// <summary>Per-endpoint body limits (issue 18, point 6): small forms refuse more than 64 KB with a 413 naming the limit.</summary>
public sealed class BodyLimitTests : IAsyncLifetime
{
    private JobmonApp _app = null!;

    public async Task InitializeAsync() => _app = await JobmonApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_sign_in_body_over_64_KB_gets_a_413_naming_the_limit()
    {
        var body = "{\"username\":\"admin\",\"password\":\"" + new string('a', 70_000) + "\"}";
        var response = await _app.Client().PostAsync("/api/login", new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadAsStringAsync()).ShouldContain("65536");
    }
}
