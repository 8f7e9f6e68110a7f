namespace Jobmon.Compat;

/// <summary>
/// The original JobMon backend's <c>config.json</c> (Go <c>config.Configuration</c>), read strictly like the original:
/// keys match case-insensitively, unknown keys are errors, durations/GUID references/aggregation functions are
/// validated.
/// Every problem is collected and thrown together as an <see cref="OriginalConfigException"/>.
/// Property names are the JSON keys (the three snake_case keys become PascalCase).
/// Instances are immutable; <see cref="ApplyEnvironment(IDictionary{string, string?})"/> and <see cref="Redacted"/>
/// return copies.
/// </summary>
public sealed record OriginalConfig
{
    public const string DefaultSourceName = "config.json";

    public static readonly TimeSpan DefaultJsonWebTokenLifeTime = TimeSpan.FromHours(24);
    public static readonly TimeSpan DefaultJsonWebTokenExtendedLifeTime = TimeSpan.FromHours(48);
    public static readonly TimeSpan DefaultApiTokenLifeTime = TimeSpan.FromHours(87600);
    public static readonly TimeSpan DefaultSampleInterval = TimeSpan.FromSeconds(30);

    /// <summary>Namespace of the name-based (v5) UUIDs given to metrics without a GUID.</summary>
    public static readonly Guid GeneratedGuidNamespace = new("0c0a3f3e-5d2b-4f6e-9a41-7b1d2c8e6f50");

    /// <summary>Mask that replaces secrets in <see cref="Redacted"/>.</summary>
    public const string RedactedValue = "***";

    /// <summary><c>json_web_token_life_time</c> (default 24h): UI session JWT lifetime.</summary>
    public TimeSpan JsonWebTokenLifeTime { get; init; } = DefaultJsonWebTokenLifeTime;

    /// <summary><c>json_web_token_extended_life_time</c> (later versions of the original only; default 48h).</summary>
    public TimeSpan JsonWebTokenExtendedLifeTime { get; init; } = DefaultJsonWebTokenExtendedLifeTime;

    /// <summary><c>api_token_life_time</c> (default 87600h): lifetime of job-control JWTs.</summary>
    public TimeSpan ApiTokenLifeTime { get; init; } = DefaultApiTokenLifeTime;

    /// <summary><c>auto_assign_user_role</c>: OAuth users without roles get "user".</summary>
    public bool AutoAssignUserRole { get; init; }

    /// <summary>InfluxDB URL.</summary>
    public string DBHost { get; init; } = "";

    /// <summary>InfluxDB token (secret; env <c>JOBMON_INFLUXDB_TOKEN</c>).</summary>
    public string DBToken { get; init; } = "";

    public string DBOrg { get; init; } = "";

    public string DBBucket { get; init; } = "";

    /// <summary>Documented by the original but unused by its code.</summary>
    public string FrontendURL { get; init; } = "";

    public JobStoreConfig JobStore { get; init; } = new();

    public OAuthConfig OAuth { get; init; } = new();

    /// <summary>The metric catalogue, sorted by DisplayName (ordinal, stable) like the original. Every GUID is set and
    /// unique.</summary>
    public IReadOnlyList<MetricConfig> Metrics { get; init; } = [];

    /// <summary>LRU cache entries.</summary>
    public int CacheSize { get; init; }

    public bool Prefetch { get; init; }

    /// <summary>The collector's sample interval (default 30s when absent or "").</summary>
    public TimeSpan SampleInterval { get; init; } = DefaultSampleInterval;

    /// <summary>The quantiles as written ("0.25", …).</summary>
    public IReadOnlyList<string> MetricQuantiles { get; init; } = [];

    /// <summary><see cref="MetricQuantiles"/> as numbers, each in (0, 1).</summary>
    public IReadOnlyList<double> MetricQuantileValues { get; init; } = [];

    /// <summary>HMAC key of the JWTs (secret; env <c>JOBMON_JWT_SECRET</c>).</summary>
    public string JWTSecret { get; init; } = "";

    /// <summary>Local accounts by user name (exact match, like a Go map).</summary>
    public IReadOnlyDictionary<string, LocalUser> LocalUsers { get; init; } =
        new Dictionary<string, LocalUser>(StringComparer.Ordinal);

    /// <summary>Partitions by name (exact match).</summary>
    public IReadOnlyDictionary<string, PartitionConfig> Partitions { get; init; } =
        new Dictionary<string, PartitionConfig>(StringComparer.Ordinal);

    public IReadOnlyList<string> MetricCategories { get; init; } = [];

    /// <summary>GUIDs of the metrics on the job-list radar charts (all exist).</summary>
    public IReadOnlyList<string> RadarChartMetrics { get; init; } = [];

    public EmailNotificationConfig EmailNotification { get; init; } = new();

    /// <summary>The file name/path the config was read from (prefix of messages).</summary>
    public string SourceName { get; init; } = DefaultSourceName;

    /// <summary>Non-fatal observations (duplicate keys, generated GUIDs, incomplete OAuth block, defaults
    /// applied).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>OAuth/OIDC login is enabled: the six keys the original requires are all set.</summary>
    public bool OidcEnabled => OAuth.IsComplete;

    /// <summary>Reads and validates a config.json. A missing file is an error, as in the original.</summary>
    /// <exception cref="OriginalConfigException">The file is missing, unreadable or invalid (all problems
    /// listed).</exception>
    public static OriginalConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var what = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found"
                : "cannot read the file: " + ex.Message;
            throw new OriginalConfigException(path, [new OriginalConfigError(path, "", what)]);
        }
        return Parse(json, path);
    }

    /// <summary>Reads a config.json and applies the secret environment variables (<see
    /// cref="OriginalConfigEnvironment"/>).</summary>
    public static OriginalConfig Load(string path, IDictionary<string, string?> environment) =>
        Load(path).ApplyEnvironment(environment);

    /// <summary>Parses and validates config.json text.</summary>
    /// <param name="json">The file content.</param>
    /// <param name="sourceName">Name used in messages (e.g. "config.json").</param>
    /// <exception cref="OriginalConfigException">All problems, each naming its key path.</exception>
    public static OriginalConfig Parse(string json, string sourceName = DefaultSourceName) =>
        OriginalConfigParser.Parse(json, sourceName);

    /// <summary>
    /// Returns a copy in which secrets given as environment variables replace the file's values (env wins; an empty
    /// variable counts as unset): <c>JOBMON_JWT_SECRET</c> → JWTSecret, <c>JOBMON_INFLUXDB_TOKEN</c> → DBToken,
    /// <c>JOBMON_POSTGRES_PASSWORD</c> → JobStore.PSQLPassword, <c>JOBMON_OIDC_CLIENT_SECRET</c> → OAuth.Secret,
    /// <c>JOBMON_SMTP_PASSWORD</c> → EmailNotification.SenderPassword.
    /// </summary>
    public OriginalConfig ApplyEnvironment(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return ApplyEnvironment(name => environment.TryGetValue(name, out var v) ? v : null);
    }

    /// <summary>Same as <see cref="ApplyEnvironment(IDictionary{string, string?})"/> with a lookup function
    /// (e.g. <c>name => configuration[name]</c> or <see cref="Environment.GetEnvironmentVariable(string)"/>).</summary>
    public OriginalConfig ApplyEnvironment(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        string Pick(string variable, string fileValue) => lookup(variable) is { Length: > 0 } v ? v : fileValue;
        return this with
        {
            JWTSecret = Pick(OriginalConfigEnvironment.JwtSecret, JWTSecret),
            DBToken = Pick(OriginalConfigEnvironment.InfluxDbToken, DBToken),
            JobStore = JobStore with { PSQLPassword =
                Pick(OriginalConfigEnvironment.PostgresPassword, JobStore.PSQLPassword) },
            OAuth = OAuth with { Secret = Pick(OriginalConfigEnvironment.OidcClientSecret, OAuth.Secret) },
            EmailNotification = EmailNotification with
            {
                SenderPassword = Pick(OriginalConfigEnvironment.SmtpPassword, EmailNotification.SenderPassword),
            },
        };
    }

    /// <summary>
    /// A copy for admin views: every non-empty secret (JWTSecret, DBToken, JobStore.PSQLPassword, OAuth.Secret,
    /// EmailNotification.SenderPassword, each LocalUsers BCryptHash) becomes <c>***</c>. Empty secrets stay empty,
    /// so the view still shows what is not configured. Serialise with <see cref="ToJson"/>.
    /// </summary>
    public OriginalConfig Redacted()
    {
        static string Mask(string s) => string.IsNullOrEmpty(s) ? s : RedactedValue;
        return this with
        {
            JWTSecret = Mask(JWTSecret),
            DBToken = Mask(DBToken),
            JobStore = JobStore with { PSQLPassword = Mask(JobStore.PSQLPassword) },
            OAuth = OAuth with { Secret = Mask(OAuth.Secret) },
            EmailNotification = EmailNotification with { SenderPassword = Mask(EmailNotification.SenderPassword) },
            LocalUsers = LocalUsers.ToDictionary(
                kv => kv.Key, kv => kv.Value with { BCryptHash = Mask(kv.Value.BCryptHash) }, StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// Serialises in the original's layout and key spelling (durations in Go format, e.g. <c>24h0m0s</c>), so the
    /// result loads again with <see cref="Parse"/> and with the original backend. Use <c>Redacted().ToJson()</c> for
    /// views.
    /// </summary>
    public string ToJson(bool indented = true) => OriginalConfigWriter.Write(this, indented);

    /// <summary>
    /// Npgsql connection string from <see cref="JobStore"/>:
    /// <c>Host=…;Port=…;Username=…;Password=…;Database=…</c>
    /// (empty username/password/database are left out). Values with <c>;</c>, <c>=</c>, quotes or whitespace are
    /// double-quoted with inner double quotes doubled, the way Npgsql's (DbConnectionStringBuilder) parser reads them.
    /// </summary>
    /// <exception cref="InvalidOperationException">PSQLHost is empty or not host:port.</exception>
    public string ToPostgresConnectionString()
    {
        if (string.IsNullOrWhiteSpace(JobStore.PSQLHost))
            throw new InvalidOperationException($"{SourceName}: JobStore.PSQLHost is not set");
        if (!JobStore.TryGetHostAndPort(out var host, out var port, out var error))
            throw new InvalidOperationException($"{SourceName}: JobStore.PSQLHost: {error}");
        var b = new ConnectionStringFormatter();
        b.Add("Host", host);
        b.Add("Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (JobStore.PSQLUsername.Length > 0) b.Add("Username", JobStore.PSQLUsername);
        if (JobStore.PSQLPassword.Length > 0) b.Add("Password", JobStore.PSQLPassword);
        if (JobStore.PSQLDB.Length > 0) b.Add("Database", JobStore.PSQLDB);
        return b.ToString();
    }

    /// <summary>The metric with this GUID (exact match), or null.</summary>
    public MetricConfig? FindMetric(string guid) => Metrics.FirstOrDefault(m => m.GUID == guid);

    /// <summary>
    /// Checks the settings without which the original refused to start (DBHost, DBToken, JWTSecret non-empty), after
    /// environment overrides. Not part of <see cref="Parse"/> because secrets may come from the environment later.
    /// </summary>
    /// <exception cref="OriginalConfigException">Lists each missing setting and the variable that can supply
    /// it.</exception>
    public OriginalConfig EnsureComplete()
    {
        var errors = new List<OriginalConfigError>();
        void Require(string value, string path, string? variable)
        {
            if (!string.IsNullOrWhiteSpace(value)) return;
            var hint = variable is null ? "" : $" (or set {variable})";
            errors.Add(new OriginalConfigError(SourceName, path, $"{path}: must be set{hint}"));
        }
        Require(DBHost, "DBHost", null);
        Require(DBToken, "DBToken", OriginalConfigEnvironment.InfluxDbToken);
        Require(JWTSecret, "JWTSecret", OriginalConfigEnvironment.JwtSecret);
        if (errors.Count > 0) throw new OriginalConfigException(SourceName, errors);
        return this;
    }

    /// <summary>
    /// For an import report: every metric whose FilterFunc or PostQueryOp cannot be expressed declaratively, as
    /// <c>Metrics[GUID "…" "DisplayName"].FilterFunc: not translatable: …</c>.
    /// </summary>
    public IReadOnlyList<string> FluxTranslationIssues()
    {
        var issues = new List<string>();
        foreach (var m in Metrics)
        {
            var where = $"Metrics[GUID \"{m.GUID}\" \"{m.DisplayName}\"]";
            var f = m.TranslateFilterFunc();
            if (!f.IsTranslatable) issues.Add($"{where}.FilterFunc: {f.Problem}");
            var p = m.TranslatePostQueryOp();
            if (!p.IsTranslatable) issues.Add($"{where}.PostQueryOp: {p.Problem}");
        }
        return issues;
    }
}

/// <summary>Environment variables that override secrets of the file (see <see
/// cref="OriginalConfig.ApplyEnvironment(IDictionary{string, string?})"/>).</summary>
public static class OriginalConfigEnvironment
{
    public const string JwtSecret = "JOBMON_JWT_SECRET";
    public const string InfluxDbToken = "JOBMON_INFLUXDB_TOKEN";
    public const string PostgresPassword = "JOBMON_POSTGRES_PASSWORD";
    public const string OidcClientSecret = "JOBMON_OIDC_CLIENT_SECRET";
    public const string SmtpPassword = "JOBMON_SMTP_PASSWORD";
}
