using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Jobmon.Compat;

/// <summary>Walks the JSON document like Go's decoder with DisallowUnknownFields, then runs the original's checks (and
/// a few more).</summary>
internal static partial class OriginalConfigParser
{
    internal static readonly string[] TopLevelKeys =
    [
        "json_web_token_life_time", "json_web_token_extended_life_time", "api_token_life_time", "auto_assign_user_role",
        "DBHost", "DBToken", "DBOrg", "DBBucket", "FrontendURL", "JobStore", "OAuth", "Metrics", "CacheSize",
            "Prefetch",
        "SampleInterval", "MetricQuantiles", "JWTSecret", "LocalUsers", "Partitions", "MetricCategories",
        "RadarChartMetrics", "EmailNotification",
    ];

    private static readonly string[] JobStoreKeys = ["Type", "PSQLHost", "PSQLUsername", "PSQLPassword", "PSQLDB"];

    private static readonly string[] OAuthKeys =
        ["ClientID", "Secret", "AuthURL", "TokenURL", "RedirectURL", "UserInfoURL", "AfterLoginRedirectUrl"];

    private static readonly string[] MetricKeys =
    [
        "GUID", "Type", "Categories", "Measurement", "AggFn", "AvailableAggFns", "SampleInterval", "Unit",
            "DisplayName",
        "FilterFunc", "PostQueryOp", "SeparationKey", "MaxPerNode", "MaxPerType", "PThreadAggFn", "SubMeasurements",
    ];

    private static readonly string[] LocalUserKeys = ["BCryptHash", "Role"];
    private static readonly string[] PartitionKeys = ["MaxTime", "Metrics", "VirtualPartitions"];
    private static readonly string[] VirtualPartitionKeys = ["MaxTime", "Metrics", "Nodes"];
    private static readonly string[] EmailKeys = ["SenderAddress", "SenderPassword", "ReceiverAddress", "SmtpHost",
        "SmtpPort"];

    // The shipped sample.config.json nested these inside "Partitions".
    private static readonly string[] SampleMisplacedKeys =
        ["MetricCategories", "RadarChartMetrics", "EmailNotification"];

    [GeneratedRegex(@"^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BCryptPattern();

    public static OriginalConfig Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        sourceName = string.IsNullOrEmpty(sourceName) ? OriginalConfig.DefaultSourceName : sourceName;
        var ctx = new ParseContext(sourceName);

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions
            {
                AllowTrailingCommas = false,
                CommentHandling = JsonCommentHandling.Disallow,
                MaxDepth = 64,
            });
        }
        catch (JsonException ex)
        {
            var text = ex.Message;
            int cut = text.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut >= 0) text = text[..cut];
            // System.Text.Json adds advice for developers ("Change the reader options."); not useful for a config file.
            text = text.Replace(" Change the reader options.", "", StringComparison.Ordinal).TrimEnd();
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1}"
                : "";
            throw new OriginalConfigException(sourceName,
                [new OriginalConfigError(sourceName, "", $"not valid JSON{where}: {text}")]);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                ctx.Error("", $"the document must be a JSON object, got {ParseContext.Describe(doc.RootElement)}");
                throw ctx.ToException();
            }
            var config = ReadRoot(ctx, doc.RootElement);
            if (ctx.Errors.Count > 0) throw ctx.ToException();
            return config with { SourceName = sourceName, Warnings = ctx.Warnings.ToArray() };
        }
    }

    private static OriginalConfig ReadRoot(ParseContext ctx, JsonElement root)
    {
        var o = new ObjectReader(ctx, root, "", TopLevelKeys);

        var jwtLife = o.Duration("json_web_token_life_time", OriginalConfig.DefaultJsonWebTokenLifeTime,
            positive: true);
        var jwtExtLife = o.Duration("json_web_token_extended_life_time",
            OriginalConfig.DefaultJsonWebTokenExtendedLifeTime, positive: true);
        var apiLife = o.Duration("api_token_life_time", OriginalConfig.DefaultApiTokenLifeTime, positive: true);

        var dbHost = o.String("DBHost");
        if (dbHost.Length > 0 && !IsHttpUrl(dbHost))
            ctx.Error(o.PathOf("DBHost"),
                $"{o.PathOf("DBHost")}: \"{dbHost}\" is not an http(s) URL (e.g. http://jobmon_influxdb:8086)");

        var metrics = ReadMetrics(ctx, o);
        var metricIds = AssignAndCheckGuids(ctx, metrics);

        var sampleInterval = OriginalConfig.DefaultSampleInterval;
        if (o.TryGet("SampleInterval", out var siEl, out var siPath)
            && !(siEl.ValueKind == JsonValueKind.String && siEl.GetString() == ""))
        {
            sampleInterval = o.Duration("SampleInterval", OriginalConfig.DefaultSampleInterval, positive: true);
        }
        else
        {
            ctx.Warn(siPath, $"{siPath}: not set; using {GoDuration.Format(OriginalConfig.DefaultSampleInterval)}");
        }

        var (quantiles, quantileValues) = ReadQuantiles(ctx, o);

        var categories = o.Strings("MetricCategories");
        if (categories.Count > 0)
        {
            // Not an error in the original either, but such a metric shows up under no category tab.
            foreach (var (m, path) in metrics)
            {
                foreach (var cat in m.Categories.Where(c => !categories.Contains(c, StringComparer.Ordinal)))
                    ctx.Warn(path + ".Categories", $"{path}.Categories: \"{cat}\" is not listed in MetricCategories");
            }
        }

        var radar = o.Strings("RadarChartMetrics");
        CheckReferences(ctx, o.PathOf("RadarChartMetrics"), radar, metricIds);

        var config = new OriginalConfig
        {
            JsonWebTokenLifeTime = jwtLife,
            JsonWebTokenExtendedLifeTime = jwtExtLife,
            ApiTokenLifeTime = apiLife,
            AutoAssignUserRole = o.Bool("auto_assign_user_role"),
            DBHost = dbHost,
            DBToken = o.String("DBToken"),
            DBOrg = o.String("DBOrg"),
            DBBucket = o.String("DBBucket"),
            FrontendURL = o.String("FrontendURL"),
            JobStore = ReadJobStore(ctx, o),
            OAuth = ReadOAuth(ctx, o),
            // The original sorts by DisplayName (stable, bytewise).
            Metrics = metrics.Select(m => m.Config).OrderBy(m => m.DisplayName, StringComparer.Ordinal).ToArray(),
            CacheSize = (int)o.Integer("CacheSize", 0, 0, int.MaxValue),
            Prefetch = o.Bool("Prefetch"),
            SampleInterval = sampleInterval,
            MetricQuantiles = quantiles,
            MetricQuantileValues = quantileValues,
            JWTSecret = o.String("JWTSecret"),
            LocalUsers = ReadLocalUsers(ctx, o),
            Partitions = ReadPartitions(ctx, o, metricIds),
            MetricCategories = categories,
            RadarChartMetrics = radar,
            EmailNotification = ReadEmail(ctx, o),
        };

        if (config.OAuth.IsPartlySet)
        {
            ctx.Warn("OAuth",
                "OAuth: partly set, so OAuth login stays disabled (ClientID, Secret, AuthURL, TokenURL, " +
                              "RedirectURL and UserInfoURL must all be set; the Secret may come from " +
                              OriginalConfigEnvironment.OidcClientSecret + ")");
        }
        return config;
    }

    // ------------------------------------------------------------------ Metrics

    private sealed record ParsedMetric(MetricConfig Config, string Path);

    private static List<ParsedMetric> ReadMetrics(ParseContext ctx, ObjectReader root)
    {
        var result = new List<ParsedMetric>();
        if (!root.TryGet("Metrics", out var arr, out var arrPath)) return result;
        if (arr.ValueKind != JsonValueKind.Array)
        {
            ctx.TypeError(arrPath, "an array of metric objects", arr);
            return result;
        }
        int i = 0;
        foreach (var el in arr.EnumerateArray())
        {
            var path = JsonPathText.Index(arrPath, i++);
            if (el.ValueKind != JsonValueKind.Object)
            {
                ctx.TypeError(path, "a metric object", el);
                continue;
            }
            var m = new ObjectReader(ctx, el, path, MetricKeys);

            var type = m.String("Type");
            if (type.Length == 0)
                ctx.Error(m.PathOf("Type"),
                    $"{m.PathOf("Type")}: missing (expected one of {string.Join(", ", MetricConfig.MetricTypes)})");
            else if (!MetricConfig.MetricTypes.Contains(type, StringComparer.Ordinal))
                ctx.Error(m.PathOf("Type"),
                    $"{m.PathOf("Type")}: \"{type}\" is not a metric type (expected one of " +
                    $"{string.Join(", ", MetricConfig.MetricTypes)})");

            var measurement = m.String("Measurement");
            if (measurement.Trim().Length == 0)
                ctx.Error(m.PathOf("Measurement"),
                    $"{m.PathOf("Measurement")}: missing (the InfluxDB measurement, e.g. flops_dp)");

            var aggFn = m.String("AggFn");
            if (aggFn.Length > 0 && !MetricConfig.AggregationFunctions.Contains(aggFn, StringComparer.Ordinal))
                ctx.Error(m.PathOf("AggFn"),
                    $"{m.PathOf("AggFn")}: \"{aggFn}\" is not an aggregation function (expected max, mean, min, sum " +
                    "or \"\")");

            var available = m.Strings("AvailableAggFns");
            for (int k = 0; k < available.Count; k++)
            {
                if (!MetricConfig.AggregationFunctions.Contains(available[k], StringComparer.Ordinal))
                {
                    var p = JsonPathText.Index(m.PathOf("AvailableAggFns"), k);
                    ctx.Error(p, $"{p}: \"{available[k]}\" is not an aggregation function (expected max, mean, min " +
                        "or sum)");
                }
            }

            TimeSpan? sampleInterval = null;
            var si = m.String("SampleInterval");
            if (si.Length > 0)
            {
                var sip = m.PathOf("SampleInterval");
                if (!GoDuration.TryParseCore(si, allowDaysAndWeeks: true, out var d, out var err))
                    ctx.Error(sip, $"{sip}: {err}");
                else if (d <= TimeSpan.Zero)
                    ctx.Error(sip, $"{sip}: must be positive, got \"{si}\"");
                else
                    sampleInterval = d;
            }

            result.Add(new ParsedMetric(new MetricConfig
            {
                GUID = m.String("GUID").Trim(),
                Type = type,
                Categories = m.Strings("Categories"),
                Measurement = measurement,
                AggFn = aggFn,
                AvailableAggFns = available,
                SampleInterval = sampleInterval,
                Unit = m.String("Unit"),
                DisplayName = m.String("DisplayName"),
                FilterFunc = m.String("FilterFunc"),
                PostQueryOp = m.String("PostQueryOp"),
                SeparationKey = m.String("SeparationKey"),
                MaxPerNode = m.Integer("MaxPerNode", 0, 0, long.MaxValue),
                MaxPerType = m.Integer("MaxPerType", 0, 0, long.MaxValue),
                PThreadAggFn = m.String("PThreadAggFn"),
                SubMeasurements = m.Strings("SubMeasurements"),
            }, path));
        }
        return result;
    }

    /// <summary>Gives metrics without a GUID a name-based one; reports duplicates. Returns the set of GUIDs.</summary>
    private static HashSet<string> AssignAndCheckGuids(ParseContext ctx, List<ParsedMetric> metrics)
    {
        var firstPathByGuid = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < metrics.Count; i++)
        {
            var (m, path) = metrics[i];
            if (m.GUID.Length == 0)
            {
                var guid = NameBasedGuid.Create(OriginalConfig.GeneratedGuidNamespace, m.Measurement + "\n"
                    + m.DisplayName)
                    .ToString("D");
                m = m with { GUID = guid, GUIDGenerated = true };
                metrics[i] = new ParsedMetric(m, path);
                ctx.Warn(path + ".GUID",
                    $"{path}.GUID: missing; assigned {guid} (derived from Measurement \"{m.Measurement}\" and " +
                                         $"DisplayName \"{m.DisplayName}\", stable across restarts)");
            }
            var gp = path + ".GUID";
            if (firstPathByGuid.TryGetValue(m.GUID, out var other))
            {
                var why = m.GUIDGenerated
                    ? " (both have the same Measurement and DisplayName and no GUID; give one a GUID)"
                    : "";
                ctx.Error(gp, $"{gp}: \"{m.GUID}\" is also the GUID of {other}{why}");
            }
            else
            {
                firstPathByGuid[m.GUID] = path;
            }
        }
        return new HashSet<string>(firstPathByGuid.Keys, StringComparer.Ordinal);
    }

    private static void CheckReferences(ParseContext ctx, string listPath, IReadOnlyList<string> guids,
        HashSet<string> known)
    {
        for (int i = 0; i < guids.Count; i++)
        {
            if (known.Contains(guids[i])) continue;
            var p = JsonPathText.Index(listPath, i);
            var near = known.FirstOrDefault(k => string.Equals(k, guids[i].Trim(), StringComparison.OrdinalIgnoreCase));
            var hint = near is null ? "" : $" (did you mean \"{near}\"? GUIDs are compared exactly)";
            ctx.Error(p, $"{p}: metric \"{guids[i]}\" does not exist (no entry of Metrics has this GUID){hint}");
        }
    }

    // ------------------------------------------------------------------ Partitions

    private static IReadOnlyDictionary<string, PartitionConfig> ReadPartitions(ParseContext ctx, ObjectReader root,
        HashSet<string> metricIds)
    {
        var result = new Dictionary<string, PartitionConfig>(StringComparer.Ordinal);
        foreach (var (name, el, path) in root.Map("Partitions"))
        {
            var misplaced = SampleMisplacedKeys.FirstOrDefault(
                k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            if (misplaced is not null)
            {
                ctx.Error(path, $"\"{path}\": {misplaced} belongs at the top level, not inside \"Partitions\" " +
                                "(the original's sample.config.json nested it there by mistake; move it after the " +
                                    "closing brace of \"Partitions\")");
                continue;
            }
            if (el.ValueKind == JsonValueKind.Null)
            {
                result[name] = new PartitionConfig();
                continue;
            }
            if (el.ValueKind != JsonValueKind.Object)
            {
                var top = TopLevelKeys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
                if (top is not null)
                    ctx.Error(path, $"\"{path}\": {top} belongs at the top level, not inside \"Partitions\"");
                else
                    ctx.TypeError(path,
                        "a partition object ({\"MaxTime\": …, \"Metrics\": […], \"VirtualPartitions\": {…}})",
                            el);
                continue;
            }
            var p = new ObjectReader(ctx, el, path, PartitionKeys);
            var metrics = p.Strings("Metrics");
            CheckReferences(ctx, p.PathOf("Metrics"), metrics, metricIds);

            var virtuals = new Dictionary<string, VirtualPartitionConfig>(StringComparer.Ordinal);
            foreach (var (vname, vel, vpath) in p.Map("VirtualPartitions"))
            {
                if (vel.ValueKind == JsonValueKind.Null)
                {
                    virtuals[vname] = new VirtualPartitionConfig();
                    continue;
                }
                if (vel.ValueKind != JsonValueKind.Object)
                {
                    ctx.TypeError(vpath,
                        "a virtual partition object ({\"MaxTime\": …, \"Metrics\": […], \"Nodes\": […]})", vel);
                    continue;
                }
                var v = new ObjectReader(ctx, vel, vpath, VirtualPartitionKeys);
                var vmetrics = v.Strings("Metrics");
                CheckReferences(ctx, v.PathOf("Metrics"), vmetrics, metricIds);
                virtuals[vname] = new VirtualPartitionConfig
                {
                    MaxTime = v.Integer("MaxTime", 0, 0, long.MaxValue),
                    Metrics = vmetrics,
                    Nodes = v.Strings("Nodes"),
                };
            }

            result[name] = new PartitionConfig
            {
                MaxTime = p.Integer("MaxTime", 0, 0, long.MaxValue),
                Metrics = metrics,
                VirtualPartitions = virtuals,
            };
        }
        return result;
    }

    // ------------------------------------------------------------------ LocalUsers, JobStore, OAuth, Email, quantiles

    private static IReadOnlyDictionary<string, LocalUser> ReadLocalUsers(ParseContext ctx, ObjectReader root)
    {
        var result = new Dictionary<string, LocalUser>(StringComparer.Ordinal);
        foreach (var (name, el, path) in root.Map("LocalUsers"))
        {
            if (el.ValueKind != JsonValueKind.Object)
            {
                ctx.TypeError(path, "a user object ({\"BCryptHash\": \"$2b$12$…\", \"Role\": \"admin\"})", el);
                continue;
            }
            if (name.Trim().Length == 0)
                ctx.Error(path, $"{path}: the user name is empty");
            var u = new ObjectReader(ctx, el, path, LocalUserKeys);
            var hash = u.String("BCryptHash");
            var hp = u.PathOf("BCryptHash");
            if (hash.Length == 0)
                ctx.Error(hp,
                    $"{hp}: missing (a bcrypt hash such as the original's scripts/gen_bcrypt_hash.py prints)");
            else if (!BCryptPattern().IsMatch(hash))
                // value not echoed: secret
                ctx.Error(hp, $"{hp}: not a bcrypt hash (expected $2b$<cost>$ followed by 53 characters)");
            var role = u.String("Role");
            if (!LocalUser.Roles.Contains(role, StringComparer.Ordinal))
            {
                var rp = u.PathOf("Role");
                var got = role.Length == 0 ? "missing" : $"\"{role}\" is not a role";
                ctx.Error(rp, $"{rp}: {got} (expected admin, user or job-control)");
            }
            result[name] = new LocalUser { BCryptHash = hash, Role = role };
        }
        return result;
    }

    private static JobStoreConfig ReadJobStore(ParseContext ctx, ObjectReader root)
    {
        var o = root.Object("JobStore", JobStoreKeys);
        if (o is null) return new JobStoreConfig();
        var store = new JobStoreConfig
        {
            Type = o.String("Type"),
            PSQLHost = o.String("PSQLHost"),
            PSQLUsername = o.String("PSQLUsername"),
            PSQLPassword = o.String("PSQLPassword"),
            PSQLDB = o.String("PSQLDB"),
        };
        if (store.Type.Length > 0 && !string.Equals(store.Type, "postgres", StringComparison.OrdinalIgnoreCase))
            ctx.Error(o.PathOf("Type"), $"{o.PathOf("Type")}: \"{store.Type}\" is not supported (only \"postgres\")");
        if (store.PSQLHost.Length > 0 && !store.TryGetHostAndPort(out _, out _, out var err))
            ctx.Error(o.PathOf("PSQLHost"), $"{o.PathOf("PSQLHost")}: {err}");
        return store;
    }

    private static OAuthConfig ReadOAuth(ParseContext ctx, ObjectReader root)
    {
        var o = root.Object("OAuth", OAuthKeys);
        if (o is null) return new OAuthConfig();
        string Url(string key, bool allowRelative = false)
        {
            var v = o.String(key);
            if (v.Length > 0 && !IsHttpUrl(v) && !(allowRelative && v.StartsWith('/')))
                ctx.Error(o.PathOf(key), $"{o.PathOf(key)}: \"{v}\" is not an http(s) URL");
            return v;
        }
        return new OAuthConfig
        {
            ClientID = o.String("ClientID"),
            Secret = o.String("Secret"),
            AuthURL = Url("AuthURL"),
            TokenURL = Url("TokenURL"),
            RedirectURL = Url("RedirectURL"),
            UserInfoURL = Url("UserInfoURL"),
            AfterLoginRedirectUrl = Url("AfterLoginRedirectUrl", allowRelative: true),
        };
    }

    private static EmailNotificationConfig ReadEmail(ParseContext ctx, ObjectReader root)
    {
        var o = root.Object("EmailNotification", EmailKeys);
        if (o is null) return new EmailNotificationConfig();
        return new EmailNotificationConfig
        {
            SenderAddress = o.String("SenderAddress"),
            SenderPassword = o.String("SenderPassword"),
            ReceiverAddress = o.String("ReceiverAddress"),
            SmtpHost = o.String("SmtpHost"),
            SmtpPort = (int)o.Integer("SmtpPort", 0, 0, 65535),
        };
    }

    private static (IReadOnlyList<string>, IReadOnlyList<double>) ReadQuantiles(ParseContext ctx, ObjectReader root)
    {
        if (!root.TryGet("MetricQuantiles", out var arr, out var path)) return ([], []);
        if (arr.ValueKind != JsonValueKind.Array)
        {
            ctx.TypeError(path, "an array of strings such as [\"0.25\", \"0.5\", \"0.75\"]", arr);
            return ([], []);
        }
        var texts = new List<string>();
        var values = new List<double>();
        int i = 0;
        foreach (var el in arr.EnumerateArray())
        {
            var p = JsonPathText.Index(path, i++);
            if (el.ValueKind != JsonValueKind.String)
            {
                var hint = el.ValueKind == JsonValueKind.Number
                    ? $" (write it quoted: \"{el.GetRawText()}\", as the original expects)" : "";
                ctx.TypeError(p, "a string", el, hint);
                continue;
            }
            var s = el.GetString()!;
            if (!double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var q)
                || !double.IsFinite(q))
            {
                ctx.Error(p, $"{p}: \"{s}\" is not a number (expected a quantile such as \"0.25\")");
                continue;
            }
            if (q is <= 0 or >= 1)
            {
                ctx.Error(p, $"{p}: \"{s}\" is not between 0 and 1 (exclusive)");
                continue;
            }
            texts.Add(s);
            values.Add(q);
        }
        return (texts, values);
    }

    private static bool IsHttpUrl(string s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var u)
            && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) &&
        u.Host.Length > 0;

    // ------------------------------------------------------------------ infrastructure

    internal sealed class ParseContext(string sourceName)
    {
        public string SourceName { get; } = sourceName;
        public List<OriginalConfigError> Errors { get; } = [];
        public List<string> Warnings { get; } = [];

        public void Error(string path, string message)
            => Errors.Add(new OriginalConfigError(SourceName, path, message));

        public void Warn(string path, string message) => Warnings.Add($"{SourceName}: {message}");

        public OriginalConfigException ToException() => new(SourceName, Errors.ToArray());

        public void TypeError(string path, string expected, JsonElement got, string hint = "") =>
            Error(path, $"{path}: expected {expected}, got {Describe(got)}{hint}");

        public static string Describe(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            JsonValueKind.Null => "null",
            _ => e.ValueKind.ToString(),
        };

        public void UnknownKey(string parentPath, string key, IReadOnlyList<string> known)
        {
            var path = JsonPathText.Property(parentPath, key);
            var sb = new StringBuilder($"unknown key \"{path}\"");
            var top = TopLevelKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            if (parentPath.Length > 0 && top is not null)
            {
                sb.Append($": {top} belongs at the top level, not inside \"{parentPath}\"");
            }
            else if (string.Equals(key, "Password", StringComparison.OrdinalIgnoreCase) && known.Contains("BCryptHash"))
            {
                sb.Append(" (plain-text passwords are from an older JobMon; store a bcrypt hash in \"BCryptHash\" " +
                    "instead)");
            }
            else if (Suggest(key, known) is { } suggestion)
            {
                sb.Append($" (did you mean \"{suggestion}\"?)");
            }
            Error(path, sb.ToString());
        }

        private static string? Suggest(string key, IReadOnlyList<string> known)
        {
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (var k in known)
            {
                int d = Levenshtein(key.ToLowerInvariant(), k.ToLowerInvariant());
                if (d < bestDistance)
                {
                    bestDistance = d;
                    best = k;
                }
            }
            return best is not null && bestDistance <= Math.Max(1, Math.Min(3, key.Length / 3)) ? best : null;
        }

        /// <summary>Edit distance counting an adjacent transposition as one edit (optimal string alignment).</summary>
        private static int Levenshtein(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                        d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
            return d[a.Length, b.Length];
        }
    }

    /// <summary>One JSON object of a Go struct: keys matched case-insensitively to the known fields, unknown keys
    /// reported.</summary>
    internal sealed class ObjectReader
    {
        private readonly ParseContext _ctx;
        private readonly Dictionary<string, (string Written, JsonElement Value)> _props = new(StringComparer.Ordinal);

        public ObjectReader(ParseContext ctx, JsonElement obj, string path, IReadOnlyList<string> known)
        {
            _ctx = ctx;
            Path = path;
            foreach (var p in obj.EnumerateObject())
            {
                // Go: an exact match is preferred, otherwise a case-insensitive one. Known keys differ
                // case-insensitively.
                var canonical = known.FirstOrDefault(k => k == p.Name) ??
                                known.FirstOrDefault(k => string.Equals(k, p.Name, StringComparison.OrdinalIgnoreCase));
                if (canonical is null)
                {
                    ctx.UnknownKey(path, p.Name, known);
                    continue;
                }
                if (_props.TryGetValue(canonical, out var previous))
                {
                    var dp = JsonPathText.Property(path, p.Name);
                    ctx.Warn(dp, $"{dp}: duplicate key (also written as \"{previous.Written}\"); the last one wins, " +
                        "as in the original");
                }
                _props[canonical] = (p.Name, p.Value);
            }
        }

        public string Path { get; }

        /// <summary>Path of a key as written in the file (or as known when absent).</summary>
        public string PathOf(string key) =>
            JsonPathText.Property(Path, _props.TryGetValue(key, out var e) ? e.Written : key);

        /// <summary>Present and not null (Go leaves the default for null).</summary>
        public bool TryGet(string key, out JsonElement value, out string path)
        {
            path = PathOf(key);
            if (_props.TryGetValue(key, out var e) && e.Value.ValueKind != JsonValueKind.Null)
            {
                value = e.Value;
                return true;
            }
            value = default;
            return false;
        }

        public string String(string key)
        {
            if (!TryGet(key, out var v, out var path)) return "";
            if (v.ValueKind == JsonValueKind.String) return v.GetString()!;
            _ctx.TypeError(path, "a string", v);
            return "";
        }

        public bool Bool(string key)
        {
            if (!TryGet(key, out var v, out var path)) return false;
            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
            _ctx.TypeError(path, "true or false", v);
            return false;
        }

        public long Integer(string key, long fallback, long min, long max)
        {
            if (!TryGet(key, out var v, out var path)) return fallback;
            if (v.ValueKind != JsonValueKind.Number)
            {
                _ctx.TypeError(path, "an integer", v);
                return fallback;
            }
            if (!v.TryGetInt64(out var n))
            {
                _ctx.Error(path, $"{path}: expected an integer, got {v.GetRawText()}");
                return fallback;
            }
            if (n < min || n > max)
            {
                var range = max == long.MaxValue ? $"at least {min}" : $"between {min} and {max}";
                _ctx.Error(path, $"{path}: {n} is out of range (expected {range})");
                return fallback;
            }
            return n;
        }

        public TimeSpan Duration(string key, TimeSpan fallback, bool positive)
        {
            if (!TryGet(key, out var v, out var path)) return fallback;
            if (v.ValueKind != JsonValueKind.String)
            {
                _ctx.TypeError(path, "a duration string such as \"24h\"", v);
                return fallback;
            }
            var s = v.GetString()!;
            if (!GoDuration.TryParse(s, out var d, out var error))
            {
                _ctx.Error(path, $"{path}: {error}");
                return fallback;
            }
            if (positive && d <= TimeSpan.Zero)
            {
                _ctx.Error(path, $"{path}: must be positive, got \"{s}\"");
                return fallback;
            }
            return d;
        }

        public IReadOnlyList<string> Strings(string key)
        {
            if (!TryGet(key, out var v, out var path)) return [];
            if (v.ValueKind != JsonValueKind.Array)
            {
                _ctx.TypeError(path, "an array of strings", v);
                return [];
            }
            var list = new List<string>();
            int i = 0;
            foreach (var el in v.EnumerateArray())
            {
                var p = JsonPathText.Index(path, i++);
                if (el.ValueKind == JsonValueKind.String) list.Add(el.GetString()!);
                else _ctx.TypeError(p, "a string", el);
            }
            return list;
        }

        /// <summary>A nested struct; null when absent/null or of the wrong type (reported).</summary>
        public ObjectReader? Object(string key, IReadOnlyList<string> known)
        {
            if (!TryGet(key, out var v, out var path)) return null;
            if (v.ValueKind != JsonValueKind.Object)
            {
                _ctx.TypeError(path, "an object", v);
                return null;
            }
            return new ObjectReader(_ctx, v, path, known);
        }

        /// <summary>A Go map[string]T: entries with their exact names (duplicate names: last wins, with a
        /// warning).</summary>
        public IEnumerable<(string Name, JsonElement Value, string Path)> Map(string key)
        {
            if (!TryGet(key, out var v, out var path)) return [];
            if (v.ValueKind != JsonValueKind.Object)
            {
                _ctx.TypeError(path, "an object (a map by name)", v);
                return [];
            }
            var entries = new Dictionary<string, (JsonElement, string)>(StringComparer.Ordinal);
            foreach (var p in v.EnumerateObject())
            {
                var ep = JsonPathText.Property(path, p.Name);
                if (entries.ContainsKey(p.Name))
                    _ctx.Warn(ep, $"{ep}: duplicate entry; the last one wins, as in the original");
                entries[p.Name] = (p.Value, ep);
            }
            return entries.Select(e => (e.Key, e.Value.Item1, e.Value.Item2)).ToArray();
        }
    }
}

/// <summary>Key paths in messages: <c>Partitions.cpuonly.MaxTime</c>, <c>Metrics[3].AggFn</c>,
/// <c>LocalUsers['j.doe']</c>.</summary>
internal static class JsonPathText
{
    public static string Property(string parent, string name)
    {
        bool simple = name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
        if (simple) return parent.Length == 0 ? name : parent + "." + name;
        return parent + "['" + name.Replace("\\", "\\\\").Replace("'", "\\'") + "']";
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";
}
