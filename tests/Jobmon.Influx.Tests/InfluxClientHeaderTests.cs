using System.Net;
using Jobmon.Influx;

namespace Jobmon.Influx.Tests;

/// <summary>Checks the request our code builds (headers, URL, body); the handler only records, it is not a database fake.</summary>
public class InfluxClientHeaderTests
{
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request, body));
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Sends_token_database_and_precision()
    {
        var handler = new RecordingHandler();
        var client = new InfluxClient(new HttpClient(handler), new InfluxOptions
        {
            BaseUrl = "http://influx.test:8086/prefix",
            Database = "my db",
            RetentionPolicy = "autogen",
            Token = "s3cr3t",
        });

        await client.WriteAsync("m v=1 1", WritePrecision.Seconds);
        var (request, body) = handler.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe(HttpMethod.Post);
        request.RequestUri!.AbsoluteUri.ShouldBe("http://influx.test:8086/prefix/write?db=my%20db&rp=autogen&precision=s");
        request.Headers.Authorization!.Scheme.ShouldBe("Token");
        request.Headers.Authorization.Parameter.ShouldBe("s3cr3t");
        body.ShouldBe("m v=1 1");
    }

    [Fact]
    public async Task Sends_no_authorization_without_token()
    {
        var handler = new RecordingHandler();
        var client = new InfluxClient(new HttpClient(handler), new InfluxOptions { BaseUrl = "http://influx.test:8086", Database = "db" });
        var ping = await client.PingAsync();
        ping.Version.ShouldBeNull();
        var (request, _) = handler.Requests.ShouldHaveSingleItem();
        request.RequestUri!.AbsoluteUri.ShouldBe("http://influx.test:8086/ping");
        request.Headers.Authorization.ShouldBeNull();
        request.Options.TryGetValue(InfluxClient.NoRetryOption, out var noRetry).ShouldBeTrue();
        noRetry.ShouldBeTrue();
    }

    [Fact]
    public void Invalid_options_are_rejected_by_the_constructor() =>
        Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(
            () => new InfluxClient(new HttpClient(), new InfluxOptions { BaseUrl = "nope" })).Message.ShouldContain("Influx:BaseUrl");
}
