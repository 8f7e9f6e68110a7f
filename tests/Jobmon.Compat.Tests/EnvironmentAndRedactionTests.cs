using System.Data.Common;
using System.Text.Json.Nodes;
using Jobmon.Compat;

namespace Jobmon.Compat.Tests;

public class EnvironmentAndRedactionTests
{
    private static readonly OriginalConfig Config = OriginalConfig.Load(TestConfigs.FixturePath);

    private static readonly string[] FileSecrets =
    [
        "influx-token-from-file", "pg-password-from-file", "oidc-secret-from-file", "smtp-password-from-file",
        "jwt-secret-from-file-0123456789abcdef",
        "$2b$12$NrWehkSfzcj1ZgCj0fnAfWeAdpJZqnLvlwTkgfy90M54SKDvDiK9P",
        "$2b$12$3IhnZtPr8ZdhMPQ94gjG6gfL3IVQa5Rtm9fzIoDWW9it3XHp1HZRU",
        "$2b$12$BriurBB/8vFI.qZTMoe4WWXWl7Xfwgy2smPel.rkSbhyUrEQS6nm8",
    ];

    [Fact]
    public void Environment_variables_win_over_the_file()
    {
        var env = new Dictionary<string, string?>
        {
            ["JOBMON_JWT_SECRET"] = "env-jwt",
            ["JOBMON_INFLUXDB_TOKEN"] = "env-influx",
            ["JOBMON_POSTGRES_PASSWORD"] = "env-pg",
            ["JOBMON_OIDC_CLIENT_SECRET"] = "env-oidc",
            ["JOBMON_SMTP_PASSWORD"] = "env-smtp",
            ["UNRELATED"] = "x",
        };
        var c = Config.ApplyEnvironment(env);
        c.JWTSecret.ShouldBe("env-jwt");
        c.DBToken.ShouldBe("env-influx");
        c.JobStore.PSQLPassword.ShouldBe("env-pg");
        c.OAuth.Secret.ShouldBe("env-oidc");
        c.EmailNotification.SenderPassword.ShouldBe("env-smtp");
        // Everything else unchanged, and the original instance is untouched.
        c.JobStore.PSQLHost.ShouldBe(Config.JobStore.PSQLHost);
        c.OAuth.ClientID.ShouldBe("jobmon");
        Config.JWTSecret.ShouldBe("jwt-secret-from-file-0123456789abcdef");
    }

    [Fact]
    public void Unset_or_empty_variables_keep_the_file_values()
    {
        var c = Config.ApplyEnvironment(new Dictionary<string, string?> { ["JOBMON_JWT_SECRET"] = "", ["JOBMON_SMTP_PASSWORD"] = null });
        c.JWTSecret.ShouldBe("jwt-secret-from-file-0123456789abcdef");
        c.EmailNotification.SenderPassword.ShouldBe("smtp-password-from-file");
        c.DBToken.ShouldBe("influx-token-from-file");
    }

    [Fact]
    public void Secrets_missing_from_the_file_can_come_from_the_environment()
    {
        var node = TestConfigs.Minimal();
        node.Remove("JWTSecret");
        node.Remove("DBToken");
        node["OAuth"] = new JsonObject
        {
            ["ClientID"] = "jobmon", ["AuthURL"] = "https://idp/auth", ["TokenURL"] = "https://idp/token",
            ["RedirectURL"] = "https://jobmon/auth/oauth/callback", ["UserInfoURL"] = "https://idp/userinfo",
        };
        var parsed = OriginalConfig.Parse(node.ToJsonString());
        parsed.OidcEnabled.ShouldBeFalse();
        var c = parsed.ApplyEnvironment(name => name switch
        {
            OriginalConfigEnvironment.JwtSecret => "j",
            OriginalConfigEnvironment.InfluxDbToken => "i",
            OriginalConfigEnvironment.OidcClientSecret => "o",
            _ => null,
        });
        c.OidcEnabled.ShouldBeTrue();
        c.EnsureComplete().DBToken.ShouldBe("i");
    }

    [Fact]
    public void Redacted_copy_and_its_json_show_no_secret()
    {
        var withEnv = Config.ApplyEnvironment(new Dictionary<string, string?> { ["JOBMON_POSTGRES_PASSWORD"] = "env-pg-secret" });
        var r = withEnv.Redacted();
        r.JWTSecret.ShouldBe("***");
        r.DBToken.ShouldBe("***");
        r.JobStore.PSQLPassword.ShouldBe("***");
        r.OAuth.Secret.ShouldBe("***");
        r.EmailNotification.SenderPassword.ShouldBe("***");
        r.LocalUsers.Values.ShouldAllBe(u => u.BCryptHash == "***");
        r.LocalUsers["api"].Role.ShouldBe("job-control");
        r.OAuth.ClientID.ShouldBe("jobmon");
        r.JobStore.PSQLUsername.ShouldBe("postgres");
        r.Metrics.ShouldBe(Config.Metrics);

        var json = r.ToJson();
        foreach (var secret in FileSecrets.Append("env-pg-secret"))
            json.ShouldNotContain(secret);
        json.ShouldContain("\"JWTSecret\": \"***\"");
        // Still a loadable file in the original's shape, hashes aside.
        JsonNode.Parse(json)!["LocalUsers"]!["admin"]!["Role"]!.GetValue<string>().ShouldBe("admin");

        // The source is not modified.
        withEnv.JobStore.PSQLPassword.ShouldBe("env-pg-secret");
        Config.LocalUsers["admin"].BCryptHash.ShouldStartWith("$2b$12$");
    }

    [Fact]
    public void Redaction_keeps_unset_secrets_empty_so_the_view_shows_what_is_missing()
    {
        var r = OriginalConfig.Parse("{}").Redacted();
        r.JWTSecret.ShouldBe("");
        r.OAuth.Secret.ShouldBe("");
    }
}

public class PostgresConnectionStringTests
{
    private static OriginalConfig WithStore(JobStoreConfig store) => OriginalConfig.Parse("{}") with { JobStore = store };

    private static DbConnectionStringBuilder ReadBack(string cs) => new() { ConnectionString = cs };

    [Fact]
    public void Builds_npgsql_keywords_from_the_fixture()
    {
        var cs = OriginalConfig.Load(TestConfigs.FixturePath).ToPostgresConnectionString();
        cs.ShouldBe("Host=jobmon_postgres;Port=5433;Username=postgres;Password=pg-password-from-file;Database=jobmon");
    }

    [Fact]
    public void Default_port_and_empty_parts_are_left_out()
    {
        WithStore(new JobStoreConfig { PSQLHost = "db.example.org" }).ToPostgresConnectionString()
            .ShouldBe("Host=db.example.org;Port=5432");
        WithStore(new JobStoreConfig { PSQLHost = "[::1]:6432", PSQLDB = "jobmon" }).ToPostgresConnectionString()
            .ShouldBe("Host=::1;Port=6432;Database=jobmon");
    }

    [Theory]
    [InlineData("pa;ss", "\"pa;ss\"")]
    [InlineData("pa\"ss", "\"pa\"\"ss\"")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("a=b", "\"a=b\"")]
    [InlineData(" lead and trail ", "\" lead and trail \"")]
    [InlineData("mix;'\"=\"", "\"mix;'\"\"=\"\"\"")]
    [InlineData("plain-Pa$$w0rd!", "plain-Pa$$w0rd!")]
    public void Special_values_are_double_quoted_and_read_back_unchanged(string password, string expectedValue)
    {
        var store = new JobStoreConfig { PSQLHost = "db:5432", PSQLUsername = "user;name", PSQLPassword = password, PSQLDB = "job\"mon" };
        var cs = WithStore(store).ToPostgresConnectionString();
        cs.ShouldContain(";Password=" + expectedValue + ";");

        // DbConnectionStringBuilder is the parser Npgsql's NpgsqlConnectionStringBuilder inherits.
        var back = ReadBack(cs);
        back["Password"].ShouldBe(password);
        back["Username"].ShouldBe("user;name");
        back["Database"].ShouldBe("job\"mon");
        back["Host"].ShouldBe("db");
        back["Port"].ShouldBe("5432");
        back.Count.ShouldBe(5);
    }

    [Fact]
    public void Missing_or_invalid_host_is_an_invalid_operation()
    {
        Should.Throw<InvalidOperationException>(() => WithStore(new JobStoreConfig()).ToPostgresConnectionString())
            .Message.ShouldBe("config.json: JobStore.PSQLHost is not set");
        Should.Throw<InvalidOperationException>(() => WithStore(new JobStoreConfig { PSQLHost = "db:0" }).ToPostgresConnectionString())
            .Message.ShouldContain("invalid port");
    }
}
