using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jobmon.Influx;
using Jobmon.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Jobmon.Influx.Tests;

[Collection(InfluxServerCollection.Name)]
public class InfluxClientIntegrationTests(InfluxServer server)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 / 60 * 60);

    private InfluxClient Client(string? database = null) => new(new HttpClient(), new InfluxOptions
    {
        BaseUrl = server.BaseUrl,
        Database = database ?? server.Database,
        Token = server.Token,
        RetryCount = 0,
        Timeout = TimeSpan.FromSeconds(10),
    });

    [Fact]
    public async Task Ping_reports_version_and_latency()
    {
        var ping = await Client().PingAsync();
        if (!server.IsExternal)
        {
            ping.Version.ShouldNotBeNull().ShouldStartWith("1.");
        }

        ping.Latency.ShouldBeGreaterThan(TimeSpan.Zero);
        ping.Latency.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Hostile_tag_values_and_names_round_trip_exactly()
    {
        string[] hosts =
        [
            "n1", "n1x", "n1.*", "n1.", "a\"b", "a'b", "a b", "a,b", "a=b", "a\\b", "a\\\\b", "a\\,b", "a/b", "/^.*$/",
            "x]y[", "(x)|[y]{z}^$+?", "'; DROP DATABASE x; --", "\"; DROP MEASUREMENT m; --", "ümlaut-ß", " lead", "trail ",
        ];
        const string measurement = "m \"q\",x=y\\z /.*";
        var db = await server.CreateDatabaseAsync("hostile");
        var client = Client(db);

        var writer = new LineProtocolWriter(WritePrecision.Seconds);
        for (var i = 0; i < hosts.Length; i++)
        {
            writer.Point(measurement).Tag("hostname", hosts[i]).Tag("type-id", hosts[hosts.Length - 1 - i]).Tag("type", "node")
                .Field("value", (double)i).Field("note", hosts[i]).Timestamp(T0.AddSeconds(i));
        }

        await client.WriteAsync(writer);

        var from = InfluxQl.Identifier(measurement);
        var range = InfluxQl.TimeRange(T0, T0.AddMinutes(1));

        // Every tag value arrives unchanged.
        var tagValues = await client.QueryAsync($"SHOW TAG VALUES FROM {from} WITH KEY = {InfluxQl.Identifier("hostname")}");
        var stored = tagValues.Series.ShouldHaveSingleItem();
        Enumerable.Range(0, stored.Rows.Count).Select(r => stored.GetString(r, "value")).Order(StringComparer.Ordinal)
            .ShouldBe(hosts.Order(StringComparer.Ordinal));

        for (var i = 0; i < hosts.Length; i++)
        {
            // equality with a string literal
            var eq = await client.QueryAsync(
                $"SELECT \"value\", \"note\" FROM {from} WHERE {InfluxQl.TagEquals("hostname", hosts[i])} AND {range} GROUP BY \"hostname\", \"type-id\"");
            var s = eq.Series.ShouldHaveSingleItem($"host {hosts[i]}");
            s.Tags["hostname"].ShouldBe(hosts[i]);
            s.Tags["type-id"].ShouldBe(hosts[hosts.Length - 1 - i]);
            s.GetPoints().ShouldBe([new InfluxPoint(T0.AddSeconds(i), i)]);
            s.GetString(0, "note").ShouldBe(hosts[i]);

            // exact-match regex: n1.* must not match n1x, etc.
            var re = await client.QueryAsync(
                $"SELECT \"value\" FROM {from} WHERE \"hostname\" =~ {InfluxQl.ExactMatchRegex([hosts[i]])} AND {range}");
            re.Series.ShouldHaveSingleItem($"host {hosts[i]}").GetPoints().ShouldBe([new InfluxPoint(T0.AddSeconds(i), i)]);

            // the same value as a tag on another key
            var other = await client.QueryAsync(
                $"SELECT \"value\" FROM {from} WHERE {InfluxQl.TagIn("type-id", [hosts[i]])} AND {range}");
            other.Series.ShouldHaveSingleItem().GetPoints().Single().Value.ShouldBe(hosts.Length - 1 - i);
        }

        // A subset via alternation returns exactly that subset.
        string[] subset = ["n1.*", "a\\,b", "(x)|[y]{z}^$+?", "a/b", "'; DROP DATABASE x; --"];
        var many = await client.QueryAsync(
            $"SELECT \"value\" FROM {from} WHERE {InfluxQl.TagIn("hostname", subset)} AND {range} GROUP BY \"hostname\"");
        many.Series.Select(s => s.Tags["hostname"]).Order(StringComparer.Ordinal).ShouldBe(subset.Order(StringComparer.Ordinal));
        many.Series.Sum(s => s.Rows.Count).ShouldBe(subset.Length);

        // Nothing was dropped by the hostile strings.
        (await Client(db).QueryAsync($"SELECT count(\"value\") FROM {from}")).Series.Single().GetDouble(0, "count").ShouldBe(hosts.Length);
        (await client.QueryAsync("SHOW DATABASES")).Series.Single().Rows.Select(r => (string?)r[0]).ShouldContain(db);
    }

    [Fact]
    public async Task Unknown_measurement_gives_an_empty_result()
    {
        var result = await Client().QueryAsync($"SELECT \"value\" FROM {InfluxQl.Identifier("no_such_measurement")} WHERE {InfluxQl.TimeRange(T0, T0.AddHours(1))}");
        result.Results.ShouldHaveSingleItem().Series.ShouldBeEmpty();
    }

    [Fact]
    public async Task Syntax_errors_become_query_exceptions_with_influx_message()
    {
        var ex = await Should.ThrowAsync<InfluxQueryException>(() => Client().QueryAsync("SELEC * FROM cpu_load"));
        ex.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ex.ServerMessage.ShouldStartWith("error parsing query: found SELEC");
        ex.Message.ShouldContain("found SELEC");
    }

    [Fact]
    public async Task Statement_errors_become_query_exceptions()
    {
        var ex = await Should.ThrowAsync<InfluxQueryException>(() => Client().QueryAsync("SELECT \"value\" FROM \"m\" GROUP BY time(1m)"));
        ex.StatementId.ShouldBe(0);
        ex.ServerMessage.ShouldContain("aggregate");

        var missing = await Should.ThrowAsync<InfluxQueryException>(() => Client("db_that_does_not_exist").QueryAsync("SELECT \"value\" FROM \"m\""));
        missing.ServerMessage.ShouldContain("database not found");
    }

    [Fact]
    public async Task Write_errors_become_write_exceptions()
    {
        var missing = await Should.ThrowAsync<InfluxWriteException>(() => Client("db_that_does_not_exist").WriteAsync("m value=1 1", WritePrecision.Seconds));
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.ServerMessage.ShouldContain("database not found");

        var bad = await Should.ThrowAsync<InfluxWriteException>(() => Client().WriteAsync("m value=1 not-a-time"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        bad.ServerMessage.ShouldContain("unable to parse");
    }

    [Fact]
    public async Task Subquery_aggregates_devices_per_host_then_across_hosts()
    {
        // cc-metric-collector shape: cpu_load per hwthread; 2 hosts x 4 hwthreads x 2 minutes x 6 samples (10 s).
        var db = await server.CreateDatabaseAsync("subquery");
        var client = Client(db);
        var writer = new LineProtocolWriter(WritePrecision.Seconds);
        foreach (var h in new[] { 1, 2 })
        {
            for (var d = 0; d < 4; d++)
            {
                for (var m = 0; m < 2; m++)
                {
                    for (var s = 0; s < 6; s++)
                    {
                        var value = (h * 100) + (d * 10) + m + (s % 2 == 0 ? -0.5 : 0.5); // per-minute device mean: 100h + 10d + m
                        writer.Point("cpu_load").Tag("hostname", $"n{h}").Tag("type", "hwthread")
                            .Tag("type-id", d.ToString(System.Globalization.CultureInfo.InvariantCulture)).Tag("cluster", "c1").Tag("unit", "load")
                            .Field("value", value).Timestamp(T0.AddSeconds((m * 60) + (s * 10)));
                    }
                }
            }
        }

        // a third host that must not be included
        writer.Point("cpu_load").Tag("hostname", "n1x").Tag("type", "hwthread").Tag("type-id", "0").Field("value", 1e6).Timestamp(T0);
        await client.WriteAsync(writer);

        var interval = InfluxQl.Duration(60);
        var window = $"time >= {InfluxQl.TimeLiteral(T0)} AND time < {InfluxQl.TimeLiteral(T0.AddMinutes(2))}";
        var hosts = InfluxQl.TagIn("hostname", ["n1", "n2"]);
        var perDevice = $"SELECT mean(\"value\") AS \"value\" FROM \"cpu_load\" WHERE {hosts} AND {InfluxQl.TagEquals("type", "hwthread")} AND {window} " +
                        $"GROUP BY time({interval}), \"hostname\", \"type-id\"";
        var perHost = $"SELECT sum(\"value\") AS \"value\" FROM ({perDevice}) WHERE {window} GROUP BY time({interval}), \"hostname\"";
        var job = $"SELECT mean(\"value\") AS \"value\" FROM ({perHost}) WHERE {window} GROUP BY time({interval})";

        var hostResult = await client.QueryAsync(perHost);
        hostResult.Series.Count.ShouldBe(2);
        var byHost = hostResult.Series.ToDictionary(s => s.Tags["hostname"], s => s.GetPoints());
        // sum over 4 devices of (100h + 10d + m) = 400h + 60 + 4m
        byHost["n1"].ShouldBe([new InfluxPoint(T0, 460), new InfluxPoint(T0.AddMinutes(1), 464)]);
        byHost["n2"].ShouldBe([new InfluxPoint(T0, 860), new InfluxPoint(T0.AddMinutes(1), 864)]);

        var jobResult = await client.QueryAsync(job);
        jobResult.Series.ShouldHaveSingleItem().GetPoints().ShouldBe([new InfluxPoint(T0, 660), new InfluxPoint(T0.AddMinutes(1), 664)]);

        // Both statements in one request.
        var both = await client.QueryAsync(perHost + "; " + job);
        both.Results.Count.ShouldBe(2);
        both.Results[1].Series.Single().GetDouble(1, "value").ShouldBe(664);
    }

    [Fact]
    public async Task Large_results_are_parsed_from_the_stream()
    {
        var db = await server.CreateDatabaseAsync("large");
        var client = Client(db);
        var writer = new LineProtocolWriter(WritePrecision.Milliseconds);
        const int count = 20_000;
        for (var i = 0; i < count; i++)
        {
            writer.Point("mem_bw").Tag("hostname", "n1").Field("value", i * 0.25).Timestamp(T0.AddMilliseconds(i * 100));
        }

        await client.WriteAsync(writer);
        var result = await client.QueryAsync($"SELECT \"value\" FROM \"mem_bw\" WHERE {InfluxQl.TimeRange(T0, T0.AddHours(1))}");
        var points = result.Series.Single().GetPoints();
        points.Count.ShouldBe(count);
        points[0].ShouldBe(new InfluxPoint(T0, 0));
        points[^1].ShouldBe(new InfluxPoint(T0.AddMilliseconds((count - 1) * 100), (count - 1) * 0.25));
    }

    [Fact]
    public async Task Closed_port_fails_fast_with_a_clear_message()
    {
        var port = InfluxServer.GetFreePort();
        var client = new InfluxClient(new HttpClient(), new InfluxOptions
        {
            BaseUrl = $"http://127.0.0.1:{port}", Database = "db", RetryCount = 0, Timeout = TimeSpan.FromSeconds(2),
        });
        var watch = Stopwatch.StartNew();
        var ex = await Should.ThrowAsync<InfluxUnavailableException>(() => client.QueryAsync("SHOW DATABASES"));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2.5));
        ex.IsTimeout.ShouldBeFalse();
        ex.Message.ShouldContain($"127.0.0.1:{port}");
        ex.Message.ShouldContain("unreachable");
        await Should.ThrowAsync<InfluxUnavailableException>(() => client.PingAsync());
        await Should.ThrowAsync<InfluxUnavailableException>(() => client.WriteAsync("m v=1"));
    }

    [Fact]
    public async Task Silent_server_times_out_within_the_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // accepts connections (backlog) but never answers
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var client = new InfluxClient(new HttpClient(), new InfluxOptions
        {
            BaseUrl = $"http://127.0.0.1:{port}", Database = "db", RetryCount = 0, Timeout = TimeSpan.FromMilliseconds(400),
        });
        var watch = Stopwatch.StartNew();
        var ex = await Should.ThrowAsync<InfluxUnavailableException>(() => client.QueryAsync("SHOW DATABASES"));
        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(350));
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        ex.IsTimeout.ShouldBeTrue();
        ex.Message.ShouldContain("did not answer within 0.4 s");
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_unavailability()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var client = new InfluxClient(new HttpClient(), new InfluxOptions { BaseUrl = $"http://127.0.0.1:{port}", Database = "db", RetryCount = 0 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Should.ThrowAsync<OperationCanceledException>(() => client.QueryAsync("SHOW DATABASES", cts.Token));
    }

    [Fact]
    public async Task Registered_client_retries_reads_and_writes_but_not_pings()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = 0;
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var socket = await listener.AcceptSocketAsync(stop.Token);
                    Interlocked.Increment(ref accepted);
                    socket.LingerState = new LingerOption(true, 0); // reset: the request fails without an answer
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var services = new ServiceCollection();
        services.AddJobmonInflux(o =>
        {
            o.BaseUrl = $"http://127.0.0.1:{port}";
            o.Database = "db";
            o.RetryCount = 2;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.Timeout = TimeSpan.FromSeconds(2);
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<InfluxClient>();

        await Should.ThrowAsync<InfluxUnavailableException>(() => client.QueryAsync("SHOW DATABASES"));
        (await SettledCount(() => accepted, 3)).ShouldBe(3);
        await Should.ThrowAsync<InfluxUnavailableException>(() => client.WriteAsync("m v=1"));
        (await SettledCount(() => accepted, 6)).ShouldBe(6);
        await Should.ThrowAsync<InfluxUnavailableException>(() => client.PingAsync());
        (await SettledCount(() => accepted, 7)).ShouldBe(7);

        await stop.CancelAsync();
        await acceptLoop;
    }

    [Fact]
    public async Task Registered_client_works_against_the_server()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Influx:BaseUrl"] = server.BaseUrl,
            ["Influx:Database"] = server.Database,
            ["Influx:Token"] = server.Token,
            ["Influx:Timeout"] = "00:00:05",
            ["Influx:RetryCount"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddJobmonInflux(configuration);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<InfluxClient>();
        client.Database.ShouldBe(server.Database);

        (await client.PingAsync()).Latency.ShouldBeGreaterThan(TimeSpan.Zero);
        await client.WriteAsync(new LineProtocolWriter(WritePrecision.Seconds).Point("flops_any").Tag("hostname", "di-host").Field("value", 42.0).Timestamp(T0));
        var result = await client.QueryAsync($"SELECT \"value\" FROM \"flops_any\" WHERE {InfluxQl.TagEquals("hostname", "di-host")} AND {InfluxQl.TimeRange(T0, T0)}");
        result.Series.Single().GetPoints().ShouldBe([new InfluxPoint(T0, 42)]);
    }

    private static async Task<int> SettledCount(Func<int> read, int expected)
    {
        // The accept loop may lag behind the client: wait (bounded) until the expected count is reached, then make sure no
        // further connection arrives.
        var watch = Stopwatch.StartNew();
        while (read() < expected && watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            await Task.Delay(10);
        }

        await Task.Delay(150);
        return read();
    }
}
