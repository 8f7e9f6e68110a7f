namespace Jobmon.Infrastructure;


/// <summary>Jobmon's own settings. Environment variables (JOBMON_*) win over the "Jobmon" configuration
/// section.</summary>
public sealed class JobmonSettings
{
    public string PostgresConnectionString { get; set; } = "";
    /// <summary>Derived from <see cref="PostgresConnectionString"/> on first use
    /// (MartenSetup.ForAdHocQueries).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    internal string? AdHocQueryConnectionString { get; set; }
    /// <summary>Database schema for Marten's tables (tests use one schema per host).</summary>
    public string Schema { get; set; } = "jobmon";
    /// <summary>Token accepted for job ingestion (job-control) until API keys replace it.</summary>
    public string? IngestToken { get; set; }
    /// <summary>Writer loops that group-commit SLURM starts and stops (Jobmon:IngestionWriters): one per two cores, at
    /// least two (a lone writer stalls on every slow fsync). Fewer writers make larger batches
    /// (ARCHITECTURE.md).</summary>
    public int IngestionWriters { get; set; } = Math.Clamp(Environment.ProcessorCount / 2, 2, 8);
    /// <summary>Token that grants the admin role (scripts, tests, operators before accounts exist).</summary>
    public string? AdminToken { get; set; }
    public string? JwtSecret { get; set; }
    public string? AdminPassword { get; set; }
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan ApiTokenLifetime { get; set; } = TimeSpan.FromDays(3650);
    /// <summary>InfluxDB (v1 API): JOBMON_INFLUXDB* or the original's DBHost/DBToken/DBOrg/DBBucket.</summary>
    public string? InfluxUrl { get; set; }
    public string? InfluxToken { get; set; }
    public string? InfluxOrg { get; set; }
    public string InfluxDatabase { get; set; } = "jobmon";
    /// <summary>On first start with an empty catalogue, define cc-metric-collector's usual metrics.</summary>
    public bool SeedDefaultCatalogue { get; set; } = true;

    /// <summary>Static files of the web UI (frontend/dist); served at / when present.</summary>
    public string? FrontendPath { get; set; }

    /// <summary>HotCold in production (several replicas); Solo for a single process.</summary>
    public string DaemonMode { get; set; } = "HotCold";
    /// <summary>HotCold: how often each process tries to take the async shards' leases (Marten's
    /// LeadershipPollingTime, 5 s by default). With 1 s a lease freed by a dead or cut-off holder is taken within
    /// about a second, so the summaries are level again well within 15 s (ARCHITECTURE.md "Async projections under
    /// faults").</summary>
    public TimeSpan LeadershipPolling { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Per-partition maximum run time used by the overtime sweeper.</summary>
    public Dictionary<string, PartitionLimits> Partitions { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Applies to jobs in partitions without a configured MaxTime, so no job runs forever.</summary>
    public TimeSpan DefaultMaxTime { get; set; } = TimeSpan.FromDays(14);
    /// <summary>Grace period after MaxTime before the sweeper ends a job (the epilog may be late).</summary>
    public TimeSpan SweepGrace { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);
    public bool SweeperEnabled { get; set; } = true;

    /// <summary>The original JobMon's config.json (JOBMON_CONFIG), when given.</summary>
    public Jobmon.Compat.OriginalConfig? OriginalConfig { get; set; }
    /// <summary>OIDC login (authorization code + PKCE): Jobmon:Oidc:*,
    /// JOBMON_OIDC_AUTHORITY/_CLIENT_ID/_CLIENT_SECRET.</summary>
    public OidcSettings Oidc { get; set; } = new();
    /// <summary>Admin notifications by e-mail (the original's EmailNotification): Jobmon:Email:*,
    /// JOBMON_SMTP_PASSWORD.</summary>
    public EmailSettings Email { get; set; } = new();

    public TimeSpan MaxTimeOf(string partition) =>
        Partitions.TryGetValue(partition, out var p) && p.MaxTime > 0 ? TimeSpan.FromSeconds(p.MaxTime)
            : DefaultMaxTime;

    public static JobmonSettings Load(IConfiguration configuration)
    {
        var settings = new JobmonSettings();
        configuration.GetSection("Jobmon").Bind(settings);
        if (configuration["JOBMON_CONFIG"] is { Length: > 0 } configPath) settings.ApplyOriginalConfig(configPath);
        settings.PostgresConnectionString = configuration["JOBMON_POSTGRES"] is { Length: > 0 } pg ? pg
            : settings.PostgresConnectionString;
        settings.IngestToken = configuration["JOBMON_INGEST_TOKEN"] is { Length: > 0 } it ? it : settings.IngestToken;
        settings.AdminToken = configuration["JOBMON_ADMIN_TOKEN"] is { Length: > 0 } at ? at : settings.AdminToken;
        settings.JwtSecret = configuration["JOBMON_JWT_SECRET"] is { Length: > 0 } js ? js : settings.JwtSecret;
        settings.AdminPassword = configuration["JOBMON_ADMIN_PASSWORD"] is { Length: > 0 } ap ? ap
            : settings.AdminPassword;
        settings.InfluxUrl = configuration["JOBMON_INFLUXDB"] is { Length: > 0 } iu ? iu
            : configuration["DBHost"] is { Length: > 0 } dh ? dh : settings.InfluxUrl;
        settings.InfluxToken = configuration["JOBMON_INFLUXDB_TOKEN"] is { Length: > 0 } itk ? itk
            : configuration["DBToken"] is { Length: > 0 } dt ? dt : settings.InfluxToken;
        settings.InfluxOrg = configuration["JOBMON_INFLUXDB_ORG"] is { Length: > 0 } io ? io
            : configuration["DBOrg"] is { Length: > 0 } dor ? dor : settings.InfluxOrg;
        settings.InfluxDatabase = configuration["JOBMON_INFLUXDB_BUCKET"] is { Length: > 0 } ib ? ib
            : configuration["DBBucket"] is { Length: > 0 } db ? db : settings.InfluxDatabase;
        settings.FrontendPath = configuration["JOBMON_FRONTEND"] is { Length: > 0 } fp ? fp : settings.FrontendPath;
        settings.Oidc.Authority = configuration["JOBMON_OIDC_AUTHORITY"] is { Length: > 0 } oa ? oa
            : settings.Oidc.Authority;
        settings.Oidc.ClientId = configuration["JOBMON_OIDC_CLIENT_ID"] is { Length: > 0 } oc ? oc
            : settings.Oidc.ClientId;
        settings.Oidc.ClientSecret = configuration["JOBMON_OIDC_CLIENT_SECRET"] is { Length: > 0 } os ? os
            : settings.Oidc.ClientSecret;
        settings.Email.Password = configuration["JOBMON_SMTP_PASSWORD"] is { Length: > 0 } sp ? sp
            : settings.Email.Password;
        settings.Validate();
        return settings;
    }

    /// <summary>
    /// An existing installation's config.json works unchanged: strict (an unknown or invalid key stops start-up with a
    /// message naming it), secrets may come from the environment instead. Jobmon's own JOBMON_* variables win.
    /// </summary>
    public void ApplyOriginalConfig(string path)
    {
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
        var config = Jobmon.Compat.OriginalConfig.Load(path, env);
        OriginalConfig = config;
        if (config.JobStore.PSQLHost.Length > 0) PostgresConnectionString = config.ToPostgresConnectionString();
        if (config.DBHost.Length > 0) InfluxUrl = config.DBHost;
        if (config.DBToken.Length > 0) InfluxToken = config.DBToken;
        if (config.DBOrg.Length > 0) InfluxOrg = config.DBOrg;
        if (config.DBBucket.Length > 0) InfluxDatabase = config.DBBucket;
        if (config.JWTSecret.Length > 0) JwtSecret = config.JWTSecret.Length >= 32 ? config.JWTSecret
            : config.JWTSecret.PadRight(32, '.');
        SessionLifetime = config.JsonWebTokenLifeTime;
        ApiTokenLifetime = config.ApiTokenLifeTime;
        foreach (var (name, partition) in config.Partitions)
            if (partition.MaxTime > 0) Partitions[name] = new PartitionLimits { MaxTime = partition.MaxTime };
        SeedDefaultCatalogue = config.Metrics.Count == 0;
        var mail = config.EmailNotification;
        if (mail.SmtpHost.Length > 0)
        {
            Email.SmtpHost = mail.SmtpHost;
            if (mail.SmtpPort > 0) Email.SmtpPort = mail.SmtpPort;
            Email.Sender = mail.SenderAddress;
            Email.Username = mail.SenderAddress; // the original authenticated as the sender
            Email.Password = mail.SenderPassword.Length > 0 ? mail.SenderPassword : Email.Password;
            Email.Receiver = mail.ReceiverAddress;
        }
        // The original's OAuth block: client id/secret, redirect and after-login URL carry over. Jobmon validates ID
        // tokens, so it needs the provider's issuer (Jobmon:Oidc:Authority / JOBMON_OIDC_AUTHORITY) in addition.
        // Keycloak-style endpoints reveal the issuer (…/realms/x/protocol/openid-connect/auth → …/realms/x).
        var marker = config.OAuth.AuthURL.IndexOf("/protocol/openid-connect/", StringComparison.Ordinal);
        Oidc.Authority ??= Environment.GetEnvironmentVariable("JOBMON_OIDC_AUTHORITY") is { Length: > 0 } envAuthority
            ? envAuthority : null;
        if (Oidc.Authority is null && marker > 0) Oidc.Authority = config.OAuth.AuthURL[..marker];
        if (config.OAuth.ClientID.Length > 0 && Oidc.Authority is not null)
        {
            Oidc.ClientId ??= config.OAuth.ClientID;
            Oidc.ClientSecret ??= config.OAuth.Secret.Length > 0 ? config.OAuth.Secret : null;
            if (config.OAuth.AfterLoginRedirectUrl.Length > 0)
                Oidc.AfterLoginRedirect = config.OAuth.AfterLoginRedirectUrl;
            Oidc.AutoAssignUserRole = config.AutoAssignUserRole;
        }
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(PostgresConnectionString))
            throw new InvalidOperationException("JOBMON_POSTGRES is not set: give Jobmon a PostgreSQL connection " +
                "string (ops/run starts a private server when it is unset).");
        if (IngestionWriters is < 1 or > 64)
            throw new InvalidOperationException("Jobmon:IngestionWriters must be between 1 and 64.");
        if (IngestToken is { Length: < 16 })
            throw new InvalidOperationException("JOBMON_INGEST_TOKEN must be at least 16 characters long.");
        if (AdminToken is { Length: < 16 })
            throw new InvalidOperationException("JOBMON_ADMIN_TOKEN must be at least 16 characters long.");
        if (JwtSecret is { Length: < 32 })
            throw new InvalidOperationException("JOBMON_JWT_SECRET (JWTSecret) must be at least 32 characters long.");
        if (AdminPassword is { Length: < 10 })
            throw new InvalidOperationException("JOBMON_ADMIN_PASSWORD must be at least 10 characters long.");
        if (SessionLifetime <= TimeSpan.Zero || ApiTokenLifetime <= TimeSpan.Zero)
            throw new InvalidOperationException("Jobmon:SessionLifetime and Jobmon:ApiTokenLifetime must be positive.");
        if (InfluxUrl is { } influx && !(Uri.TryCreate(influx, UriKind.Absolute, out var u)
            && u.Scheme is "http" or "https"))
            throw new InvalidOperationException("JOBMON_INFLUXDB (DBHost) must be an absolute http(s) URL.");
        if (DaemonMode is not ("HotCold" or "Solo"))
            throw new InvalidOperationException("Jobmon:DaemonMode must be HotCold or Solo.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(Schema, "^[a-z_][a-z0-9_]{0,62}$"))
            throw new InvalidOperationException("Jobmon:Schema must be a lower-case SQL identifier.");
        Oidc.Validate();
        Email.Validate();
        foreach (var (name, p) in Partitions)
            if (p.MaxTime < 0)
                throw new InvalidOperationException($"Jobmon:Partitions:{name}:MaxTime must not be negative.");
    }
}
