using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobmon.Infrastructure;
using Jobmon.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Jobmon.Tests;

/// <summary>An operator of the original points Jobmon at their existing config.json.</summary>
public sealed class OriginalConfigTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jobmon-config-").FullName;
    private static readonly string Hash = BCrypt.Net.BCrypt.HashPassword("legacy-secret-pw", 4).Replace("$2a$", "$2b$");

    private static string Config(string extra = "") => $$"""
        {
          "json_web_token_life_time": "12h",
          "api_token_life_time": "87600h",
          "auto_assign_user_role": true,
          "DBHost": "http://127.0.0.1:1",
          "DBToken": "influx-token",
          "DBOrg": "kit",
          "DBBucket": "metrics",
          "FrontendURL": "https://jobmon.example.org",
          "JobStore": { "Type": "postgres", "PSQLHost": "db.invalid:5432", "PSQLUsername": "postgres", "PSQLPassword": "pw", "PSQLDB": "jobmon" },
          "JWTSecret": "a-secret-that-is-long-enough-for-hs256-signing",
          "SampleInterval": "30s",
          "MetricQuantiles": ["0.25", "0.5", "0.75"],
          "CacheSize": 50,
          "Prefetch": false,
          "LocalUsers": { "oldadmin": { "BCryptHash": "{{Hash}}", "Role": "admin" } },
          "Metrics": [
            { "GUID": "11111111-1111-1111-1111-111111111111", "Type": "socket", "Categories": ["Memory"], "Measurement": "mem_bw", "AggFn": "sum",
              "AvailableAggFns": ["sum", "mean"], "Unit": "GB/s", "DisplayName": "Memory bandwidth", "MaxPerNode": 350, "MaxPerType": 175,
              "FilterFunc": "|> filter(fn: (r) => r[\"type\"] == \"socket\")", "PostQueryOp": "", "SeparationKey": "hostname", "PThreadAggFn": "" },
            { "GUID": "22222222-2222-2222-2222-222222222222", "Type": "node", "Categories": ["I/O"], "Measurement": "gpfs_read", "AggFn": "",
              "AvailableAggFns": [], "Unit": "B/s", "DisplayName": "GPFS read",
              "FilterFunc": "|> filter(fn: (r) => r.filesystem == \"home\" or r.filesystem == \"work\")",
              "PostQueryOp": "|> derivative(unit: 1s, nonNegative: true)", "SeparationKey": "hostname", "PThreadAggFn": "" }
          ],
          "Partitions": {
            "cpuonly": { "MaxTime": 259200, "Metrics": ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"],
              "VirtualPartitions": { "io-nodes": { "MaxTime": 3600, "Metrics": ["22222222-2222-2222-2222-222222222222"], "Nodes": ["hkn0001", "hkn0002", "hkn0003"] } } }
          },
          "MetricCategories": ["Memory", "I/O"],
          "RadarChartMetrics": ["11111111-1111-1111-1111-111111111111"]{{extra}}
        }
        """;

    private string Write(string json)
    {
        var path = Path.Combine(_dir, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static JobmonSettings Load(string path, string? postgres = null) => JobmonSettings.Load(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["JOBMON_CONFIG"] = path, ["JOBMON_POSTGRES"] = postgres }).Build());

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() { Directory.Delete(_dir, true); return Task.CompletedTask; }

    [Fact]
    public void An_existing_config_json_works_unchanged()
    {
        var settings = Load(Write(Config()));
        settings.PostgresConnectionString.ShouldContain("Host=db.invalid");
        settings.InfluxUrl.ShouldBe("http://127.0.0.1:1");
        settings.InfluxDatabase.ShouldBe("metrics");
        settings.SessionLifetime.ShouldBe(TimeSpan.FromHours(12));
        settings.MaxTimeOf("cpuonly").ShouldBe(TimeSpan.FromDays(3));
        settings.SeedDefaultCatalogue.ShouldBeFalse();
    }

    [Theory]
    [InlineData(",\n \"CacheSzie\": 3", "CacheSzie")]
    [InlineData(",\n \"EmailNotification\": { \"SmtpHost\": \"x\", \"SmtpPrt\": 25 }", "EmailNotification.SmtpPrt")]
    public void Unknown_keys_stop_start_up_naming_the_key(string extra, string key)
    {
        var error = Should.Throw<Exception>(() => Load(Write(Config(extra))));
        error.Message.ShouldContain(key);
    }

    [Fact]
    public void Invalid_values_name_the_key()
    {
        var json = Config().Replace("\"json_web_token_life_time\": \"12h\"", "\"json_web_token_life_time\": \"12 hours\"");
        Should.Throw<Exception>(() => Load(Write(json))).Message.ShouldContain("json_web_token_life_time");
    }

    [Fact]
    public async Task Catalogue_partitions_and_local_users_are_imported_and_old_passwords_keep_working()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var path = Write(Config());
        await using var app = await JobmonApp.StartAsync(database, extra: new Dictionary<string, string?>
        {
            ["JOBMON_CONFIG"] = path,
            ["JOBMON_POSTGRES"] = database, // Jobmon's own variable wins over JobStore
            ["JOBMON_INFLUXDB"] = "http://127.0.0.1:9", // and over DBHost
        });
        var catalogue = JsonDocument.Parse(await app.Admin().GetStringAsync("/api/metrics/catalogue")).RootElement;
        var metrics = catalogue.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        metrics.Keys.ShouldBe(["gpfs_read", "mem_bw"], ignoreOrder: true);
        metrics["mem_bw"].GetProperty("scope").GetString().ShouldBe("socket");
        // Served in the base unit: 350 GB/s = 350e9 B/s, values × 1e9 (the original's UI scaled by the unit's prefix).
        metrics["mem_bw"].GetProperty("peakPerNode").GetDouble().ShouldBe(350e9);
        metrics["mem_bw"].GetProperty("unit").GetString().ShouldBe("B/s");
        metrics["mem_bw"].GetProperty("scale").GetDouble().ShouldBe(1e9);
        metrics["mem_bw"].GetProperty("filters")[0].GetProperty("value").GetString().ShouldBe("socket");
        metrics["gpfs_read"].GetProperty("isCounter").GetBoolean().ShouldBeTrue();
        metrics["gpfs_read"].GetProperty("filters").GetArrayLength().ShouldBe(0); // "or" is not translatable: reported, not guessed
        var partition = catalogue.GetProperty("partitions")[0];
        partition.GetProperty("maxTime").GetInt64().ShouldBe(259200);
        partition.GetProperty("virtualPartitions")[0].GetProperty("nodes").GetString().ShouldBe("hkn[0001-0003]");
        catalogue.GetProperty("radarMetrics")[0].GetString().ShouldBe("mem_bw");

        var login = await app.Client().PostAsJsonAsync("/api/login", new { username = "oldadmin", password = "legacy-secret-pw" });
        login.StatusCode.ShouldBe(HttpStatusCode.OK);

        // A dry run of the same file changes nothing and reports nothing new (the import is idempotent).
        var report = JsonDocument.Parse(await (await app.Admin().PostAsync("/api/admin/catalogue/import-original?dryRun=true",
            new StringContent(await File.ReadAllTextAsync(path)))).Content.ReadAsStringAsync()).RootElement;
        report.GetProperty("metrics").GetArrayLength().ShouldBe(0);
        report.GetProperty("accounts").GetArrayLength().ShouldBe(0);
        var bad = await app.Admin().PostAsync("/api/admin/catalogue/import-original", new StringContent("{\"Metricz\": []}"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("Metricz");
    }
}
