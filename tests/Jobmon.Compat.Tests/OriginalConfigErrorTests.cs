using System.Text.Json.Nodes;
using Jobmon.Compat;

namespace Jobmon.Compat.Tests;

public class OriginalConfigErrorTests
{
    [Fact]
    public void Minimal_config_is_valid()
    {
        var c = OriginalConfig.Parse(TestConfigs.Minimal().ToJsonString());
        c.Metrics.Single().GUID.ShouldBe("11111111-1111-4111-8111-111111111111");
    }

    [Fact]
    public void Unknown_nested_key_names_its_path()
    {
        var node = TestConfigs.Fixture();
        var cpu = node["Partitions"]!["cpuonly"]!.AsObject();
        cpu.Remove("MaxTime");
        cpu["MaxTme"] = 259200;
        TestConfigs.Errors(node).ShouldBe(["config.json: unknown key \"Partitions.cpuonly.MaxTme\" (did you mean \"MaxTime\"?)"]);
    }

    [Theory]
    [InlineData("""{ "DBHots": "x" }""", "config.json: unknown key \"DBHots\" (did you mean \"DBHost\"?)")]
    [InlineData("""{ "Cluster": "horeka" }""", "config.json: unknown key \"Cluster\"")]
    [InlineData("""{ "JobStore": { "PSQLPort": 5432 } }""", "config.json: unknown key \"JobStore.PSQLPort\" (did you mean \"PSQLHost\"?)")]
    [InlineData("""{ "OAuth": { "Scopes": [] } }""", "config.json: unknown key \"OAuth.Scopes\"")]
    [InlineData("""{ "EmailNotification": { "SmtpUser": "u" } }""", "config.json: unknown key \"EmailNotification.SmtpUser\"")]
    [InlineData("""{ "Metrics": [ { "GUID": "g", "Type": "node", "Measurement": "m", "Unti": "W" } ] }""",
        "config.json: unknown key \"Metrics[0].Unti\" (did you mean \"Unit\"?)")]
    [InlineData("""{ "partitions": { "gpu": { "VIRTUALPARTITIONS": { "h100": { "Node": ["n1"] } } } } }""",
        "config.json: unknown key \"partitions.gpu.VIRTUALPARTITIONS.h100.Node\" (did you mean \"Nodes\"?)")]
    [InlineData("""{ "LocalUsers": { "j.doe": { "Password": "secret", "Role": "user" } } }""",
        "config.json: unknown key \"LocalUsers['j.doe'].Password\" (plain-text passwords are from an older JobMon; store a bcrypt hash in \"BCryptHash\" instead)")]
    [InlineData("""{ "JobStore": { "OAuth": {} } }""",
        "config.json: unknown key \"JobStore.OAuth\": OAuth belongs at the top level, not inside \"JobStore\"")]
    public void Unknown_keys_are_reported_with_the_path_as_written(string json, string expected)
    {
        TestConfigs.Errors(json).ShouldContain(expected);
    }

    [Fact]
    public void The_original_sample_nesting_mistake_gets_a_targeted_message()
    {
        var node = TestConfigs.Minimal();
        var partitions = node["Partitions"]!.AsObject();
        partitions["MetricCategories"] = new JsonArray("Performance");
        partitions["RadarChartMetrics"] = new JsonArray("11111111-1111-4111-8111-111111111111");
        partitions["EmailNotification"] = new JsonObject { ["SenderAddress"] = "a@b", ["SmtpPort"] = 465 };
        var errors = TestConfigs.Errors(node);
        errors.Count.ShouldBe(3);
        errors.ShouldContain(e => e.StartsWith(
            "config.json: \"Partitions.MetricCategories\": MetricCategories belongs at the top level, not inside \"Partitions\""));
        errors.ShouldContain(e => e.StartsWith(
            "config.json: \"Partitions.RadarChartMetrics\": RadarChartMetrics belongs at the top level"));
        errors.ShouldContain(e => e.StartsWith(
            "config.json: \"Partitions.EmailNotification\": EmailNotification belongs at the top level"));
        errors.ShouldAllBe(e => e.Contains("sample.config.json"));
    }

    [Theory]
    [InlineData("""{ "DBHost": 8086 }""", "config.json: DBHost: expected a string, got a number")]
    [InlineData("""{ "CacheSize": "50" }""", "config.json: CacheSize: expected an integer, got a string")]
    [InlineData("""{ "CacheSize": 1.5 }""", "config.json: CacheSize: expected an integer, got 1.5")]
    [InlineData("""{ "CacheSize": -1 }""", "config.json: CacheSize: -1 is out of range (expected between 0 and 2147483647)")]
    [InlineData("""{ "Prefetch": "true" }""", "config.json: Prefetch: expected true or false, got a string")]
    [InlineData("""{ "auto_assign_user_role": 1 }""", "config.json: auto_assign_user_role: expected true or false, got a number")]
    [InlineData("""{ "Metrics": {} }""", "config.json: Metrics: expected an array of metric objects, got an object")]
    [InlineData("""{ "Metrics": [ "flops" ] }""", "config.json: Metrics[0]: expected a metric object, got a string")]
    [InlineData("""{ "Metrics": [ { "GUID": "g", "Type": "node", "Measurement": "m", "MaxPerNode": "100" } ] }""",
        "config.json: Metrics[0].MaxPerNode: expected an integer, got a string")]
    [InlineData("""{ "Metrics": [ { "GUID": "g", "Type": "node", "Measurement": "m", "Categories": "Energy" } ] }""",
        "config.json: Metrics[0].Categories: expected an array of strings, got a string")]
    [InlineData("""{ "Partitions": { "cpuonly": { "MaxTime": "3d" } } }""",
        "config.json: Partitions.cpuonly.MaxTime: expected an integer, got a string")]
    [InlineData("""{ "Partitions": { "cpuonly": { "Metrics": [ 1 ] } } }""",
        "config.json: Partitions.cpuonly.Metrics[0]: expected a string, got a number")]
    [InlineData("""{ "Partitions": [] }""", "config.json: Partitions: expected an object (a map by name), got an array")]
    [InlineData("""{ "Partitions": { "cpuonly": 259200 } }""",
        "config.json: Partitions.cpuonly: expected a partition object ({\"MaxTime\": …, \"Metrics\": […], \"VirtualPartitions\": {…}}), got a number")]
    [InlineData("""{ "LocalUsers": { "admin": [] } }""",
        "config.json: LocalUsers.admin: expected a user object ({\"BCryptHash\": \"$2b$12$…\", \"Role\": \"admin\"}), got an array")]
    [InlineData("""{ "EmailNotification": { "SmtpPort": "465" } }""", "config.json: EmailNotification.SmtpPort: expected an integer, got a string")]
    [InlineData("""{ "EmailNotification": { "SmtpPort": 70000 } }""",
        "config.json: EmailNotification.SmtpPort: 70000 is out of range (expected between 0 and 65535)")]
    [InlineData("""{ "OAuth": "none" }""", "config.json: OAuth: expected an object, got a string")]
    [InlineData("""{ "MetricQuantiles": [ 0.25 ] }""",
        "config.json: MetricQuantiles[0]: expected a string, got a number (write it quoted: \"0.25\", as the original expects)")]
    public void Wrong_types_name_the_path_and_the_expected_type(string json, string expected)
    {
        TestConfigs.Errors(json).ShouldContain(expected);
    }

    [Theory]
    [InlineData("""{ "json_web_token_life_time": "10x" }""",
        "config.json: json_web_token_life_time: unknown unit \"x\" in duration \"10x\" (valid units: ns, us, ms, s, m, h)")]
    [InlineData("""{ "api_token_life_time": "" }""", "config.json: api_token_life_time: invalid duration \"\" (empty)")]
    [InlineData("""{ "api_token_life_time": "10 years" }""", "config.json: api_token_life_time: unknown unit \" years\" in duration \"10 years\" (valid units: ns, us, ms, s, m, h)")]
    [InlineData("""{ "json_web_token_life_time": "-1h" }""", "config.json: json_web_token_life_time: must be positive, got \"-1h\"")]
    [InlineData("""{ "json_web_token_life_time": 24 }""",
        "config.json: json_web_token_life_time: expected a duration string such as \"24h\", got a number")]
    [InlineData("""{ "SampleInterval": "0s" }""", "config.json: SampleInterval: must be positive, got \"0s\"")]
    [InlineData("""{ "SampleInterval": "30" }""", "config.json: SampleInterval: missing unit in duration \"30\"")]
    [InlineData("""{ "Metrics": [ { "GUID": "g", "Type": "node", "Measurement": "m", "SampleInterval": "fast" } ] }""",
        "config.json: Metrics[0].SampleInterval: invalid duration \"fast\"")]
    [InlineData("""{ "Metrics": [ { "GUID": "g", "Type": "node", "Measurement": "m", "SampleInterval": "-30s" } ] }""",
        "config.json: Metrics[0].SampleInterval: must be positive, got \"-30s\"")]
    public void Invalid_durations_name_the_key(string json, string expected)
    {
        TestConfigs.Errors(json).ShouldContain(expected);
    }

    [Fact]
    public void Per_metric_sample_interval_accepts_flux_days()
    {
        var node = TestConfigs.Minimal();
        node["Metrics"]![0]!["SampleInterval"] = "1d";
        OriginalConfig.Parse(node.ToJsonString()).Metrics[0].SampleInterval.ShouldBe(TimeSpan.FromDays(1));
    }

    [Fact]
    public void Missing_metric_references_are_errors_everywhere()
    {
        var node = TestConfigs.Fixture();
        node["Partitions"]!["cpuonly"]!["Metrics"]!.AsArray()[1] = "deadbeef-0000-4000-8000-000000000000";
        node["Partitions"]!["accelerated"]!["VirtualPartitions"]!["accelerated-h100"]!["Metrics"]!.AsArray().Add("gone");
        node["RadarChartMetrics"]!.AsArray()[0] = TestConfigs.FlopsGuid.ToUpperInvariant();
        var errors = TestConfigs.Errors(node);
        errors.ShouldBe(
        [
            "config.json: RadarChartMetrics[0]: metric \"7AFB2C68-774B-45D7-BA52-9BA3FE3BFADA\" does not exist (no entry of Metrics has this GUID) " +
            "(did you mean \"7afb2c68-774b-45d7-ba52-9ba3fe3bfada\"? GUIDs are compared exactly)",
            "config.json: Partitions.cpuonly.Metrics[1]: metric \"deadbeef-0000-4000-8000-000000000000\" does not exist (no entry of Metrics has this GUID)",
            "config.json: Partitions.accelerated.VirtualPartitions.accelerated-h100.Metrics[2]: metric \"gone\" does not exist (no entry of Metrics has this GUID)",
        ], ignoreOrder: true);
    }

    [Theory]
    [InlineData("AggFn", "\"median\"", "config.json: Metrics[0].AggFn: \"median\" is not an aggregation function (expected max, mean, min, sum or \"\")")]
    [InlineData("AggFn", "\"Sum\"", "config.json: Metrics[0].AggFn: \"Sum\" is not an aggregation function (expected max, mean, min, sum or \"\")")]
    [InlineData("AvailableAggFns", "[\"mean\", \"sum\", \"avg\"]", "config.json: Metrics[0].AvailableAggFns[2]: \"avg\" is not an aggregation function (expected max, mean, min or sum)")]
    [InlineData("Type", "\"gpu\"", "config.json: Metrics[0].Type: \"gpu\" is not a metric type (expected one of node, socket, cpu, hwthread, accelerator, core, memoryDomain)")]
    [InlineData("Type", "\"\"", "config.json: Metrics[0].Type: missing (expected one of node, socket, cpu, hwthread, accelerator, core, memoryDomain)")]
    [InlineData("Measurement", "\" \"", "config.json: Metrics[0].Measurement: missing (the InfluxDB measurement, e.g. flops_dp)")]
    [InlineData("MaxPerType", "-5", "config.json: Metrics[0].MaxPerType: -5 is out of range (expected at least 0)")]
    public void Metric_values_are_validated(string key, string jsonValue, string expected)
    {
        var node = TestConfigs.Minimal();
        node["Metrics"]![0]![key] = JsonNode.Parse(jsonValue);
        TestConfigs.Errors(node).ShouldContain(expected);
    }

    [Fact]
    public void Empty_aggfn_and_every_metric_type_are_accepted()
    {
        var node = TestConfigs.Minimal();
        var metrics = node["Metrics"]!.AsArray();
        metrics.Clear();
        foreach (var t in MetricConfig.MetricTypes)
            metrics.Add(new JsonObject { ["GUID"] = t, ["Type"] = t, ["Measurement"] = "m_" + t, ["AggFn"] = "" });
        node["Partitions"] = new JsonObject();
        OriginalConfig.Parse(node.ToJsonString()).Metrics.Count.ShouldBe(7);
    }

    [Theory]
    [InlineData("\"1.5\"", "config.json: MetricQuantiles[1]: \"1.5\" is not between 0 and 1 (exclusive)")]
    [InlineData("\"0\"", "config.json: MetricQuantiles[1]: \"0\" is not between 0 and 1 (exclusive)")]
    [InlineData("\"median\"", "config.json: MetricQuantiles[1]: \"median\" is not a number (expected a quantile such as \"0.25\")")]
    [InlineData("\"0,5\"", "config.json: MetricQuantiles[1]: \"0,5\" is not a number (expected a quantile such as \"0.25\")")]
    public void Quantiles_must_be_numbers_between_0_and_1(string value, string expected)
    {
        var node = TestConfigs.Minimal();
        node["MetricQuantiles"] = new JsonArray("0.25", JsonNode.Parse(value), "0.75");
        TestConfigs.Errors(node).ShouldBe([expected]);
    }

    [Fact]
    public void Duplicate_guids_are_errors()
    {
        var node = TestConfigs.Minimal();
        node["Metrics"]!.AsArray().Add(new JsonObject
            { ["GUID"] = "11111111-1111-4111-8111-111111111111", ["Type"] = "cpu", ["Measurement"] = "flops_dp" });
        node["Metrics"]!.AsArray().Add(new JsonObject { ["Type"] = "node", ["Measurement"] = "a", ["DisplayName"] = "A" });
        node["Metrics"]!.AsArray().Add(new JsonObject { ["Type"] = "node", ["Measurement"] = "a", ["DisplayName"] = "A" });
        var errors = TestConfigs.Errors(node);
        errors.Count.ShouldBe(2);
        errors.ShouldContain("config.json: Metrics[1].GUID: \"11111111-1111-4111-8111-111111111111\" is also the GUID of Metrics[0]");
        errors.ShouldContain(e => e.StartsWith("config.json: Metrics[3].GUID: ") && e.EndsWith(
            "is also the GUID of Metrics[2] (both have the same Measurement and DisplayName and no GUID; give one a GUID)"));
    }

    [Fact]
    public void Local_users_need_a_bcrypt_hash_and_a_known_role_and_the_hash_is_not_echoed()
    {
        var node = TestConfigs.Minimal();
        node["LocalUsers"] = new JsonObject
        {
            ["admin"] = new JsonObject { ["BCryptHash"] = "hunter2-plaintext", ["Role"] = "admin" },
            ["bob"] = new JsonObject { ["BCryptHash"] = "$2b$12$NrWehkSfzcj1ZgCj0fnAfWeAdpJZqnLvlwTkgfy90M54SKDvDiK9P", ["Role"] = "superuser" },
            ["eve"] = new JsonObject { ["Role"] = "user" },
        };
        var errors = TestConfigs.Errors(node);
        errors.ShouldBe(
        [
            "config.json: LocalUsers.admin.BCryptHash: not a bcrypt hash (expected $2b$<cost>$ followed by 53 characters)",
            "config.json: LocalUsers.bob.Role: \"superuser\" is not a role (expected admin, user or job-control)",
            "config.json: LocalUsers.eve.BCryptHash: missing (a bcrypt hash such as the original's scripts/gen_bcrypt_hash.py prints)",
        ], ignoreOrder: true);
        errors.ShouldAllBe(e => !e.Contains("hunter2"));
    }

    [Theory]
    [InlineData("""{ "JobStore": { "Type": "mysql" } }""", "config.json: JobStore.Type: \"mysql\" is not supported (only \"postgres\")")]
    [InlineData("""{ "JobStore": { "PSQLHost": "db:port" } }""", "config.json: JobStore.PSQLHost: \"db:port\" has an invalid port \"port\" (expected 1-65535)")]
    [InlineData("""{ "JobStore": { "PSQLHost": "::1:5432" } }""", "config.json: JobStore.PSQLHost: \"::1:5432\" is not host:port (write an IPv6 address as [address]:port)")]
    [InlineData("""{ "DBHost": "jobmon_influxdb:8086" }""", "config.json: DBHost: \"jobmon_influxdb:8086\" is not an http(s) URL (e.g. http://jobmon_influxdb:8086)")]
    [InlineData("""{ "OAuth": { "TokenURL": "login.example.org/token" } }""", "config.json: OAuth.TokenURL: \"login.example.org/token\" is not an http(s) URL")]
    public void Connection_settings_are_validated(string json, string expected)
    {
        TestConfigs.Errors(json).ShouldContain(expected);
    }

    [Fact]
    public void All_errors_are_collected_into_one_exception()
    {
        var json = """
            {
              "DBHots": "x",
              "json_web_token_life_time": "1 day",
              "CacheSize": "many",
              "Metrics": [ { "GUID": "a", "Type": "gpu", "Measurement": "m", "AggFn": "avg" } ],
              "Partitions": { "cpuonly": { "MaxTme": 1, "Metrics": ["b"] } },
              "MetricQuantiles": ["2"]
            }
            """;
        var ex = Should.Throw<OriginalConfigException>(() => OriginalConfig.Parse(json, "config.json"));
        ex.Errors.Select(e => e.Path).ShouldBe(
        [
            "DBHots", "json_web_token_life_time", "Metrics[0].Type", "Metrics[0].AggFn", "MetricQuantiles[0]",
            "CacheSize", "Partitions.cpuonly.MaxTme", "Partitions.cpuonly.Metrics[0]",
        ], ignoreOrder: true);
        ex.Message.ShouldStartWith("config.json is not a valid JobMon configuration (8 errors):");
        foreach (var e in ex.Errors) ex.Message.ShouldContain(e.ToString());
    }

    [Theory]
    [InlineData("{ \"DBHost\": \"x\", }", "config.json: not valid JSON at line 1, column 18: The JSON object contains a trailing comma at the end which is not supported in this mode.")]
    [InlineData("{\n  // comment\n  \"DBHost\": \"x\"\n}", "config.json: not valid JSON at line 2, column ")]
    [InlineData("[]", "config.json: the document must be a JSON object, got an array")]
    public void Invalid_json_is_reported_with_its_position(string json, string expected)
    {
        TestConfigs.Errors(json).Single().ShouldStartWith(expected);
    }
}
