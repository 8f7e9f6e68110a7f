using Jobmon.Compat;

namespace Jobmon.Compat.Tests;

public class OriginalConfigLoadTests
{
    private static readonly OriginalConfig Config = OriginalConfig.Load(TestConfigs.FixturePath);

    [Fact]
    public void Top_level_values()
    {
        Config.SourceName.ShouldBe(TestConfigs.FixturePath);
        Config.JsonWebTokenLifeTime.ShouldBe(TimeSpan.FromHours(12));
        Config.ApiTokenLifeTime.ShouldBe(TimeSpan.FromHours(87600));
        Config.JsonWebTokenExtendedLifeTime.ShouldBe(TimeSpan.FromHours(48)); // not in the file: default
        Config.AutoAssignUserRole.ShouldBeTrue();
        Config.DBHost.ShouldBe("http://jobmon_influxdb:8086");
        Config.DBToken.ShouldBe("influx-token-from-file");
        Config.DBOrg.ShouldBe("scc");
        Config.DBBucket.ShouldBe("horeka");
        Config.FrontendURL.ShouldBe("https://jobmon.example.org");
        Config.CacheSize.ShouldBe(50);
        Config.Prefetch.ShouldBeTrue();
        Config.SampleInterval.ShouldBe(TimeSpan.FromSeconds(30));
        Config.MetricQuantiles.ShouldBe(["0.25", "0.5", "0.75"]);
        Config.MetricQuantileValues.ShouldBe([0.25, 0.5, 0.75]);
        Config.JWTSecret.ShouldBe("jwt-secret-from-file-0123456789abcdef");
        Config.MetricCategories.ShouldBe(["Performance", "Memory", "Energy", "Filesystem", "Interconnect", "Temperature"]);
        Config.RadarChartMetrics.Count.ShouldBe(4);
        Config.RadarChartMetrics[0].ShouldBe(TestConfigs.FlopsGuid);
    }

    [Fact]
    public void Job_store_oauth_and_email()
    {
        Config.JobStore.ShouldBe(new JobStoreConfig
        {
            Type = "postgres", PSQLHost = "jobmon_postgres:5433", PSQLUsername = "postgres",
            PSQLPassword = "pg-password-from-file", PSQLDB = "jobmon",
        });
        Config.JobStore.TryGetHostAndPort(out var host, out var port, out _).ShouldBeTrue();
        (host, port).ShouldBe(("jobmon_postgres", 5433));

        Config.OAuth.ClientID.ShouldBe("jobmon");
        Config.OAuth.Secret.ShouldBe("oidc-secret-from-file");
        Config.OAuth.AuthURL.ShouldBe("https://login.example.org/realms/hpc/protocol/openid-connect/auth");
        Config.OAuth.TokenURL.ShouldBe("https://login.example.org/realms/hpc/protocol/openid-connect/token");
        Config.OAuth.RedirectURL.ShouldBe("https://jobmon.example.org/auth/oauth/callback");
        Config.OAuth.UserInfoURL.ShouldBe("https://login.example.org/realms/hpc/protocol/openid-connect/userinfo");
        Config.OAuth.AfterLoginRedirectUrl.ShouldBe("https://jobmon.example.org/jobs");
        Config.OidcEnabled.ShouldBeTrue();

        Config.EmailNotification.ShouldBe(new EmailNotificationConfig
        {
            SenderAddress = "jobmon@example.org", SenderPassword = "smtp-password-from-file",
            ReceiverAddress = "hpc-admins@example.org", SmtpHost = "smtp.example.org", SmtpPort = 465,
        });
        Config.EmailNotification.IsConfigured.ShouldBeTrue();
    }

    [Fact]
    public void Local_users()
    {
        Config.LocalUsers.Keys.ShouldBe(["admin", "api", "j.doe"], ignoreOrder: true);
        Config.LocalUsers["admin"].Role.ShouldBe("admin");
        Config.LocalUsers["admin"].BCryptHash.ShouldBe("$2b$12$NrWehkSfzcj1ZgCj0fnAfWeAdpJZqnLvlwTkgfy90M54SKDvDiK9P");
        Config.LocalUsers["api"].Role.ShouldBe("job-control");
        Config.LocalUsers["j.doe"].Role.ShouldBe("user");
    }

    [Fact]
    public void Metrics_are_complete_and_sorted_by_display_name_like_the_original()
    {
        Config.Metrics.Count.ShouldBe(10);
        Config.Metrics.Select(m => m.DisplayName).ShouldBe(
        [
            "CPU Memory Bandwidth", "CPU Memory Usage", "CPU Temperature", "FLOPs", "GPFS Bytes Read", "GPFS Num Writes",
            "GPU Power", "GPU Utilization", "Infiniband Traffic", "Load",
        ]);

        var flops = Config.FindMetric(TestConfigs.FlopsGuid)!;
        flops.ShouldBe(new MetricConfig
        {
            GUID = TestConfigs.FlopsGuid, Type = "cpu", Categories = flops.Categories, Measurement = "flops_dp",
            AggFn = "sum", AvailableAggFns = flops.AvailableAggFns, SampleInterval = null, Unit = "MFLOP/s",
            DisplayName = "FLOPs", FilterFunc = "", PostQueryOp = "", SeparationKey = "type-id", MaxPerNode = 5032000,
            MaxPerType = 68000, PThreadAggFn = "sum", SubMeasurements = flops.SubMeasurements,
        });
        flops.Categories.ShouldBe(["Performance"]);
        flops.AvailableAggFns.ShouldBe(["mean", "sum", "max", "min"]);
        flops.IsCounter.ShouldBeFalse();

        var gpu = Config.FindMetric(TestConfigs.NvUtilGuid)!;
        gpu.Type.ShouldBe("accelerator");
        gpu.Measurement.ShouldBe("nv_util");
        gpu.MaxPerType.ShouldBe(100);

        var temp = Config.Metrics.Single(m => m.Measurement == "temp");
        temp.Unit.ShouldBe("°C");
        temp.Type.ShouldBe("hwthread");

        var ib = Config.Metrics.Single(m => m.Measurement == "ib_total");
        ib.MaxPerNode.ShouldBe(25_000_000_000L); // beyond int32, like the original's sample
        ib.SeparationKey.ShouldBe("device");
        ib.IsCounter.ShouldBeTrue();
        ib.TranslatePostQueryOp().NonNegative.ShouldBeTrue();
        ib.TranslateFilterFunc().Filters.ShouldBe([new TagFilter("device", "=", "mlx5_0")]);

        var gpfs = Config.Metrics.Single(m => m.Measurement == "gpfs_num_writes");
        gpfs.Categories.ShouldBe(["Filesystem"]);
        gpfs.PostQueryOp.ShouldBe("|> derivative(unit: 1s, nonNegative: true, columns: [\"_value\"], timeColumn: \"_time\")");
        gpfs.IsCounter.ShouldBeTrue();
        gpfs.TranslateFilterFunc().Filters.ShouldBe([new TagFilter("filesystem", "=~", "^(home|work)$")]);
    }

    [Fact]
    public void Metric_without_guid_gets_a_stable_name_based_guid_that_partitions_can_reference()
    {
        var load = Config.Metrics.Single(m => m.Measurement == "load_one");
        load.GUIDGenerated.ShouldBeTrue();
        // uuid5(namespace, "load_one\nLoad"), cross-checked with Python's uuid.uuid5.
        load.GUID.ShouldBe("01db8249-1559-5d22-a356-d56f22eae224");
        load.SampleInterval.ShouldBe(TimeSpan.FromMinutes(1));
        Config.Partitions["cpuonly"].Metrics.ShouldContain(load.GUID);
        Config.Warnings.ShouldContain(w => w.Contains(".GUID: missing; assigned 01db8249-1559-5d22-a356-d56f22eae224"));

        OriginalConfig.Load(TestConfigs.FixturePath).Metrics.Single(m => m.Measurement == "load_one").GUID.ShouldBe(load.GUID);
    }

    [Fact]
    public void Partitions_and_virtual_partitions()
    {
        Config.Partitions.Keys.ShouldBe(["cpuonly", "accelerated"], ignoreOrder: true);
        var cpu = Config.Partitions["cpuonly"];
        cpu.MaxTime.ShouldBe(259200);
        cpu.MaxTimeSpan.ShouldBe(TimeSpan.FromDays(3));
        cpu.Metrics.Count.ShouldBe(8);
        cpu.VirtualPartitions.ShouldBeEmpty(); // null in the file

        var acc = Config.Partitions["accelerated"];
        acc.MaxTime.ShouldBe(172800);
        acc.Metrics.ShouldContain(TestConfigs.NvUtilGuid);
        var h100 = acc.VirtualPartitions["accelerated-h100"];
        h100.MaxTime.ShouldBe(86400);
        h100.Metrics.ShouldBe([TestConfigs.NvUtilGuid, "3488f876-05e9-49f3-842e-7fc229540a6e"]);
        h100.Nodes.ShouldBe(["hkn0901", "hkn0902", "hkn0903", "hkn0904"]);
    }

    [Fact]
    public void Import_report_lists_untranslatable_flux()
    {
        var issues = Config.FluxTranslationIssues();
        issues.Count.ShouldBe(1);
        issues[0].ShouldContain("\"GPFS Bytes Read\"].FilterFunc: not translatable: |> filter(fn: (r) => r[\"filesystem\"] == \"home\" or");
        issues[0].ShouldContain("\"or\"");
    }

    [Fact]
    public void ToJson_round_trips_and_uses_the_original_key_spelling()
    {
        var json = Config.ToJson();
        json.ShouldContain("\"json_web_token_life_time\": \"12h0m0s\"");
        json.ShouldContain("\"PSQLHost\": \"jobmon_postgres:5433\"");
        json.ShouldNotContain("json_web_token_extended_life_time"); // later-version key, default: left out
        var again = OriginalConfig.Parse(json);
        again.JsonWebTokenLifeTime.ShouldBe(Config.JsonWebTokenLifeTime);
        again.Metrics.Select(m => m.GUID).ShouldBe(Config.Metrics.Select(m => m.GUID));
        again.Metrics.Single(m => m.Measurement == "load_one").GUIDGenerated.ShouldBeFalse();
        again.Metrics.Single(m => m.Measurement == "ib_total").PostQueryOp
            .ShouldBe(Config.Metrics.Single(m => m.Measurement == "ib_total").PostQueryOp);
        again.Partitions["accelerated"].VirtualPartitions["accelerated-h100"].Nodes.ShouldBe(["hkn0901", "hkn0902", "hkn0903", "hkn0904"]);
        again.LocalUsers["j.doe"].ShouldBe(Config.LocalUsers["j.doe"]);
        again.EmailNotification.ShouldBe(Config.EmailNotification);
    }

    [Fact]
    public void Keys_match_case_insensitively_like_go()
    {
        var json = """
            {
              "DBHOST": "http://influx:8086", "dbtoken": "t", "JwtSecret": "s",
              "JSON_WEB_TOKEN_LIFE_TIME": "1h", "jobstore": { "psqlhost": "db:5432", "PsqlDb": "jobmon" },
              "metrics": [ { "guid": "g1", "type": "node", "measurement": "m", "displayname": "M" } ],
              "partitions": { "cpuonly": { "maxtime": 60, "metrics": ["g1"] } },
              "radarchartmetrics": ["g1"]
            }
            """;
        var c = OriginalConfig.Parse(json);
        c.DBHost.ShouldBe("http://influx:8086");
        c.JWTSecret.ShouldBe("s");
        c.JsonWebTokenLifeTime.ShouldBe(TimeSpan.FromHours(1));
        c.JobStore.PSQLDB.ShouldBe("jobmon");
        c.Metrics.Single().DisplayName.ShouldBe("M");
        c.Partitions["cpuonly"].MaxTime.ShouldBe(60);
        c.SampleInterval.ShouldBe(OriginalConfig.DefaultSampleInterval);
        c.Warnings.ShouldContain(w => w.Contains("SampleInterval: not set; using 30s"));
    }

    [Fact]
    public void Later_version_keys_are_accepted()
    {
        var node = TestConfigs.Minimal();
        node["json_web_token_extended_life_time"] = "72h";
        node["Metrics"]![0]!["SubMeasurements"] = new System.Text.Json.Nodes.JsonArray("a", "b");
        var c = OriginalConfig.Parse(node.ToJsonString());
        c.JsonWebTokenExtendedLifeTime.ShouldBe(TimeSpan.FromHours(72));
        c.Metrics[0].SubMeasurements.ShouldBe(["a", "b"]);
    }

    [Fact]
    public void Nulls_leave_defaults_like_go()
    {
        var node = TestConfigs.Minimal();
        node["json_web_token_life_time"] = null;
        node["OAuth"] = null;
        node["Partitions"]!["cpuonly"]!["Metrics"] = null;
        var c = OriginalConfig.Parse(node.ToJsonString());
        c.JsonWebTokenLifeTime.ShouldBe(TimeSpan.FromHours(24));
        c.OidcEnabled.ShouldBeFalse();
        c.Partitions["cpuonly"].Metrics.ShouldBeEmpty();
    }

    [Fact]
    public void Fixture_has_no_warnings_besides_the_generated_guid()
    {
        Config.Warnings.Count.ShouldBe(1, string.Join("\n", Config.Warnings));
    }

    [Fact]
    public void Metric_category_missing_from_MetricCategories_is_a_warning()
    {
        var node = TestConfigs.Minimal();
        node["MetricCategories"] = new System.Text.Json.Nodes.JsonArray("Performance");
        node["Metrics"]![0]!["Categories"] = new System.Text.Json.Nodes.JsonArray("Performance", "Energy");
        OriginalConfig.Parse(node.ToJsonString()).Warnings
            .ShouldBe(["config.json: Metrics[0].Categories: \"Energy\" is not listed in MetricCategories"]);
    }

    [Fact]
    public void Duplicate_keys_keep_the_last_value_with_a_warning()
    {
        var c = OriginalConfig.Parse("""{ "DBOrg": "first", "dborg": "second" }""");
        c.DBOrg.ShouldBe("second");
        c.Warnings.ShouldContain(w => w.Contains("dborg: duplicate key"));
    }

    [Fact]
    public void Exact_duplicate_map_entries_keep_the_last_one_with_a_warning()
    {
        var json = """
            { "LocalUsers": {
                "admin": { "BCryptHash": "$2b$12$NrWehkSfzcj1ZgCj0fnAfWeAdpJZqnLvlwTkgfy90M54SKDvDiK9P", "Role": "user" },
                "admin": { "BCryptHash": "$2b$12$NrWehkSfzcj1ZgCj0fnAfWeAdpJZqnLvlwTkgfy90M54SKDvDiK9P", "Role": "admin" } },
              "CacheSize": 1, "CacheSize": 2 }
            """;
        var c = OriginalConfig.Parse(json);
        c.LocalUsers["admin"].Role.ShouldBe("admin");
        c.CacheSize.ShouldBe(2);
        c.Warnings.ShouldContain(w => w.Contains("LocalUsers.admin: duplicate entry"));
        c.Warnings.ShouldContain(w => w.Contains("CacheSize: duplicate key"));
    }

    [Fact]
    public void Partly_set_oauth_is_a_warning_and_stays_disabled()
    {
        var node = TestConfigs.Minimal();
        node["OAuth"] = new System.Text.Json.Nodes.JsonObject { ["ClientID"] = "x", ["AuthURL"] = "https://idp/auth" };
        var c = OriginalConfig.Parse(node.ToJsonString());
        c.OidcEnabled.ShouldBeFalse();
        c.Warnings.ShouldContain(w => w.Contains("OAuth: partly set"));
    }

    [Fact]
    public void Missing_file_is_an_error()
    {
        var ex = Should.Throw<OriginalConfigException>(() => OriginalConfig.Load("/nonexistent/config.json"));
        ex.Message.ShouldBe("/nonexistent/config.json: file not found");
    }

    [Fact]
    public void EnsureComplete_names_missing_settings_and_their_variables()
    {
        var c = OriginalConfig.Parse("{}");
        var ex = Should.Throw<OriginalConfigException>(() => c.EnsureComplete());
        ex.Errors.Select(e => e.Path).ShouldBe(["DBHost", "DBToken", "JWTSecret"]);
        ex.Message.ShouldContain("JWTSecret: must be set (or set JOBMON_JWT_SECRET)");
        (c.ApplyEnvironment(new Dictionary<string, string?> { ["JOBMON_JWT_SECRET"] = "x", ["JOBMON_INFLUXDB_TOKEN"] = "y" })
            with { DBHost = "http://influx:8086" }).EnsureComplete().JWTSecret.ShouldBe("x");
    }
}
