using Microsoft.Extensions.Options;

namespace Jobmon.Influx;

/// <summary>
/// Connection settings for the InfluxDB v1-compatible HTTP API (<c>/write</c>, <c>/query</c>, <c>/ping</c>).
/// Bound from the configuration section <see cref="SectionName"/> ("Influx") by
/// <see
/// cref="InfluxServiceCollectionExtensions.AddJobmonInflux(Microsoft.Extensions.DependencyInjection.IServiceCollection,
/// Microsoft.Extensions.Configuration.IConfiguration, string)"/>.
/// </summary>
/// <remarks>
/// InfluxDB 1.x: <see cref="Database"/> is the database, <see cref="Token"/> is normally empty.
/// InfluxDB 2.x/3.x: the v1 compatibility endpoints need a DBRP mapping bucket → database; set
/// <see cref="Database"/> (or <see cref="Bucket"/>) to the mapped database name and <see cref="Token"/> to an API
/// token,
/// which is sent as <c>Authorization: Token &lt;token&gt;</c>. <see cref="Org"/> is informational (the v1 API does not
/// use it).
/// </remarks>
public sealed class InfluxOptions
{
    /// <summary>Default configuration section name.</summary>
    public const string SectionName = "Influx";

    /// <summary>Absolute http/https URL of the server, e.g. <c>http://influx:8086</c>. A path prefix (reverse proxy) is
    /// kept.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>API token (InfluxDB 2.x/3.x, or 1.x behind a token proxy). Null/empty: no Authorization
    /// header.</summary>
    public string? Token { get; set; }

    /// <summary>Organisation (InfluxDB 2.x); informational only, the v1 API does not take it.</summary>
    public string? Org { get; set; }

    /// <summary>Database name (the <c>db</c> parameter). Preferred over <see cref="Bucket"/>.</summary>
    public string? Database { get; set; }

    /// <summary>Alias for <see cref="Database"/> for InfluxDB 2.x setups (the bucket's DBRP database name).</summary>
    public string? Bucket { get; set; }

    /// <summary>Optional retention policy (the <c>rp</c> parameter); null: the database default.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>Timeout of one HTTP attempt (default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a transient failure (default 2; 0 disables retries).</summary>
    public int RetryCount { get; set; } = 2;

    /// <summary>Base delay of the exponential back-off between retries (default 500 ms).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The database used for <c>db=</c>: <see cref="Database"/> if set, else <see cref="Bucket"/>, else
    /// "".</summary>
    public string DatabaseName =>
        !string.IsNullOrWhiteSpace(Database) ? Database! : !string.IsNullOrWhiteSpace(Bucket) ? Bucket! : "";

    /// <summary>Longest back-off between two retries (4 × <see cref="RetryDelay"/>).</summary>
    public TimeSpan MaxRetryDelay => RetryDelay * 4;

    /// <summary>
    /// Upper bound for one client call including retries, back-off and reading the answer:
    /// <c>Timeout × (RetryCount + 1) + RetryCount × MaxRetryDelay</c>; equals <see cref="Timeout"/> when <see
    /// cref="RetryCount"/> is 0.
    /// </summary>
    public TimeSpan TotalTimeout => Timeout * (Math.Max(RetryCount, 0) + 1) + MaxRetryDelay * Math.Max(RetryCount, 0);

    /// <summary>Returns one message per invalid setting, each naming its configuration key (e.g. "Influx:BaseUrl");
    /// empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionName = SectionName)
    {
        var prefix = string.IsNullOrEmpty(sectionName) ? "" : sectionName + ":";
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(BaseUrl))
        {
            errors.Add($"{prefix}BaseUrl is required: the absolute http or https URL of InfluxDB, e.g. " +
                "http://localhost:8086.");
        }
        else if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{prefix}BaseUrl must be an absolute http or https URL, e.g. http://localhost:8086 (got " +
                $"'{BaseUrl}').");
        }
        else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add($"{prefix}BaseUrl must not contain a query string or fragment (got '{BaseUrl}').");
        }

        if (string.IsNullOrWhiteSpace(DatabaseName))
        {
            errors.Add($"{prefix}Database (or {prefix}Bucket) is required: the InfluxDB database name (for InfluxDB " +
                "2.x the DBRP-mapped database of the bucket).");
        }
        else if (!string.IsNullOrWhiteSpace(Database) && !string.IsNullOrWhiteSpace(Bucket) && Database != Bucket)
        {
            errors.Add($"{prefix}Database ('{Database}') and {prefix}Bucket ('{Bucket}') are both set but differ; " +
                "set only one.");
        }

        if (Token is not null && Token.Any(c => char.IsControl(c)))
        {
            errors.Add($"{prefix}Token must not contain control characters (line breaks).");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1))
        {
            errors.Add($"{prefix}Timeout must be greater than 0 and at most 01:00:00 (got {Timeout}).");
        }
        else if (Timeout < TimeSpan.FromMilliseconds(10))
        {
            errors.Add($"{prefix}Timeout must be at least 10 ms (got {Timeout}).");
        }

        if (RetryCount is < 0 or > 10)
        {
            errors.Add($"{prefix}RetryCount must be between 0 and 10 (got {RetryCount}).");
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{prefix}RetryDelay must be between 00:00:00 and 00:01:00 (got {RetryDelay}).");
        }

        return errors;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing every invalid setting.</summary>
    public void ValidateOrThrow(string sectionName = SectionName)
    {
        var errors = Validate(sectionName);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName,
                typeof(InfluxOptions), errors);
        }
    }

    internal InfluxOptions Clone() => (InfluxOptions)MemberwiseClone();
}

/// <summary><see cref="IValidateOptions{TOptions}"/> adapter for <see cref="InfluxOptions.Validate"/>.</summary>
public sealed class InfluxOptionsValidator(string sectionName = InfluxOptions.SectionName)
    : IValidateOptions<InfluxOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, InfluxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate(sectionName);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
