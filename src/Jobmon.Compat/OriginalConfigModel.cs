namespace Jobmon.Compat;

/// <summary>
/// One entry of <c>Metrics</c> in the original's config.json (Go <c>config.MetricConfig</c>).
/// Property names are the JSON keys.
/// </summary>
public sealed record MetricConfig
{
    /// <summary>Allowed <see cref="Type"/> values (cc-metric-collector's <c>type</c> tag).</summary>
    public static IReadOnlyList<string> MetricTypes { get; } =
        ["node", "socket", "cpu", "hwthread", "accelerator", "core", "memoryDomain"];

    /// <summary>Allowed aggregation functions for <see cref="AggFn"/> (which may also be "") and <see
    /// cref="AvailableAggFns"/>.</summary>
    public static IReadOnlyList<string> AggregationFunctions { get; } = ["max", "mean", "min", "sum"];

    /// <summary>The metric's id, referenced by partitions and <c>RadarChartMetrics</c>. Never empty after
    /// loading.</summary>
    public string GUID { get; init; } = "";

    /// <summary>True when the file had no GUID and <see cref="GUID"/> was derived from Measurement +
    /// DisplayName.</summary>
    public bool GUIDGenerated { get; init; }

    /// <summary>node, socket, cpu, hwthread, accelerator, core or memoryDomain.</summary>
    public string Type { get; init; } = "";

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>InfluxDB measurement name (e.g. <c>flops_dp</c>).</summary>
    public string Measurement { get; init; } = "";

    /// <summary>Default per-node aggregation of device series: max, mean, min, sum or "".</summary>
    public string AggFn { get; init; } = "";

    public IReadOnlyList<string> AvailableAggFns { get; init; } = [];

    /// <summary>Per-metric sample interval override; null when the file had "" (use the global one).</summary>
    public TimeSpan? SampleInterval { get; init; }

    public string Unit { get; init; } = "";

    public string DisplayName { get; init; } = "";

    /// <summary>Raw Flux fragment, e.g. <c>|&gt; filter(fn: (r) =&gt; r["type"] == "socket")</c>. See <see
    /// cref="TranslateFilterFunc"/>.</summary>
    public string FilterFunc { get; init; } = "";

    /// <summary>Raw Flux fragment, e.g. <c>|&gt; derivative(unit: 1s, nonNegative: true)</c>. See <see
    /// cref="TranslatePostQueryOp"/>.</summary>
    public string PostQueryOp { get; init; } = "";

    /// <summary>Column that splits the series (hostname, type-id, filesystem, device, …).</summary>
    public string SeparationKey { get; init; } = "";

    /// <summary>Display maximum for a node (y axis, radar normalisation). 0 = none.</summary>
    public long MaxPerNode { get; init; }

    /// <summary>Display maximum for one device. 0 = none.</summary>
    public long MaxPerType { get; init; }

    /// <summary>mean, sum or "" (frontend only, for Type cpu).</summary>
    public string PThreadAggFn { get; init; } = "";

    /// <summary>Later versions of the original only (measurements this one is computed from; unused).</summary>
    public IReadOnlyList<string> SubMeasurements { get; init; } = [];

    /// <summary>The <see cref="FilterFunc"/> as declarative tag filters, or why that is not possible.</summary>
    public FilterTranslation TranslateFilterFunc() => FluxTranslator.TranslateFilter(FilterFunc);

    /// <summary>Whether <see cref="PostQueryOp"/> makes this a counter (derivative), or why it cannot be
    /// translated.</summary>
    public PostQueryOpTranslation TranslatePostQueryOp() => FluxTranslator.TranslatePostQueryOp(PostQueryOp);

    /// <summary>True when <see cref="PostQueryOp"/> applies <c>derivative(…)</c>: the stored values are counters to
    /// convert to rates.</summary>
    public bool IsCounter => TranslatePostQueryOp().IsCounter;
}

/// <summary><c>JobStore</c>: the PostgreSQL job store of the original.</summary>
public sealed record JobStoreConfig
{
    public const int DefaultPostgresPort = 5432;

    /// <summary>"postgres" (or empty).</summary>
    public string Type { get; init; } = "";

    /// <summary><c>host:port</c> (<c>[v6addr]:port</c> for IPv6). A missing port means 5432.</summary>
    public string PSQLHost { get; init; } = "";

    public string PSQLUsername { get; init; } = "";

    public string PSQLPassword { get; init; } = "";

    public string PSQLDB { get; init; } = "";

    /// <summary>Splits <see cref="PSQLHost"/> into host and port.</summary>
    public bool TryGetHostAndPort(out string host, out int port, out string? error) =>
        HostPort.TrySplit(PSQLHost, DefaultPostgresPort, out host, out port, out error);
}

/// <summary><c>OAuth</c>: the original's OAuth2 login (an OIDC provider in practice).</summary>
public sealed record OAuthConfig
{
    public string ClientID { get; init; } = "";
    public string Secret { get; init; } = "";
    public string AuthURL { get; init; } = "";
    public string TokenURL { get; init; } = "";
    public string RedirectURL { get; init; } = "";
    public string UserInfoURL { get; init; } = "";
    public string AfterLoginRedirectUrl { get; init; } = "";

    /// <summary>The original enables OAuth only when ClientID, Secret, AuthURL, TokenURL, RedirectURL and UserInfoURL
    /// are all set.</summary>
    public bool IsComplete =>
        !string.IsNullOrWhiteSpace(ClientID) && !string.IsNullOrWhiteSpace(Secret) &&
        !string.IsNullOrWhiteSpace(AuthURL) && !string.IsNullOrWhiteSpace(TokenURL) &&
        !string.IsNullOrWhiteSpace(RedirectURL) && !string.IsNullOrWhiteSpace(UserInfoURL);

    internal bool IsPartlySet =>
        !IsComplete && new[] { ClientID, Secret, AuthURL, TokenURL, RedirectURL, UserInfoURL }.Any(
            v => !string.IsNullOrWhiteSpace(v));
}

/// <summary>A <c>LocalUsers</c> entry.</summary>
public sealed record LocalUser
{
    /// <summary>Allowed <see cref="Role"/> values.</summary>
    public static IReadOnlyList<string> Roles { get; } = ["admin", "user", "job-control"];

    /// <summary>bcrypt hash (<c>$2b$12$…</c>, from the original's scripts/gen_bcrypt_hash.py).</summary>
    public string BCryptHash { get; init; } = "";

    /// <summary>admin, user or job-control.</summary>
    public string Role { get; init; } = "";
}

/// <summary>A <c>Partitions</c> entry.</summary>
public sealed record PartitionConfig
{
    /// <summary>Maximum wall time in seconds (0 = not set).</summary>
    public long MaxTime { get; init; }

    /// <summary>GUIDs of the metrics shown for jobs of this partition (all exist in <c>Metrics</c>).</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    public IReadOnlyDictionary<string, VirtualPartitionConfig> VirtualPartitions { get; init; } =
        new Dictionary<string, VirtualPartitionConfig>(StringComparer.Ordinal);

    /// <summary><see cref="MaxTime"/> as a TimeSpan; null when 0.</summary>
    public TimeSpan? MaxTimeSpan => MaxTime > 0 ? TimeSpan.FromSeconds(MaxTime) : null;
}

/// <summary>A <c>VirtualPartitions</c> entry: a node subset of a partition with its own metrics.</summary>
public sealed record VirtualPartitionConfig
{
    /// <summary>Maximum wall time in seconds (0 = not set).</summary>
    public long MaxTime { get; init; }

    /// <summary>GUIDs of metrics (all exist in <c>Metrics</c>).</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Node names, matched exactly by the original (ranges are not expanded).</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    public TimeSpan? MaxTimeSpan => MaxTime > 0 ? TimeSpan.FromSeconds(MaxTime) : null;
}

/// <summary><c>EmailNotification</c>: SMTP settings for admin notifications.</summary>
public sealed record EmailNotificationConfig
{
    public string SenderAddress { get; init; } = "";

    /// <summary>Password of the sender account (the SMTP user is <see cref="SenderAddress"/>).</summary>
    public string SenderPassword { get; init; } = "";

    /// <summary>A single receiver address.</summary>
    public string ReceiverAddress { get; init; } = "";

    public string SmtpHost { get; init; } = "";

    /// <summary>0 = not set; 465 means implicit TLS in the original's sample.</summary>
    public int SmtpPort { get; init; }

    /// <summary>Sender, receiver, host and port are set.</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(SenderAddress) && !string.IsNullOrWhiteSpace(ReceiverAddress) &&
        !string.IsNullOrWhiteSpace(SmtpHost) && SmtpPort > 0;
}

internal static class HostPort
{
    internal static bool TrySplit(string value, int defaultPort, out string host, out int port, out string? error)
    {
        host = "";
        port = defaultPort;
        error = null;
        var s = value.Trim();
        if (s.Length == 0)
        {
            error = "empty";
            return false;
        }
        string portText;
        if (s[0] == '[')
        {
            int close = s.IndexOf(']');
            if (close < 0)
            {
                error = $"\"{value}\" has no closing ']' (use [address]:port for IPv6)";
                return false;
            }
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length == 0) portText = "";
            else if (rest[0] == ':') portText = rest[1..];
            else
            {
                error = $"\"{value}\" is not host:port";
                return false;
            }
        }
        else
        {
            int colon = s.IndexOf(':');
            if (colon < 0)
            {
                host = s;
                portText = "";
            }
            else if (s.IndexOf(':', colon + 1) >= 0)
            {
                error = $"\"{value}\" is not host:port (write an IPv6 address as [address]:port)";
                return false;
            }
            else
            {
                host = s[..colon];
                portText = s[(colon + 1)..];
                if (portText.Length == 0)
                {
                    error = $"\"{value}\" has an empty port";
                    return false;
                }
            }
        }
        if (host.Length == 0)
        {
            error = $"\"{value}\" has an empty host";
            return false;
        }
        if (portText.Length > 0 &&
            (!int.TryParse(portText, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out port) ||
             port is < 1 or > 65535))
        {
            error = $"\"{value}\" has an invalid port \"{portText}\" (expected 1-65535)";
            port = defaultPort;
            return false;
        }
        return true;
    }
}
