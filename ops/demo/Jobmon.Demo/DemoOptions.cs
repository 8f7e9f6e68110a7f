using System.Globalization;

namespace Jobmon.Demo;

/// <summary>Command line and environment settings. The command line wins over the environment.</summary>
public sealed class DemoOptions
{
    public const string Usage = """
        Jobmon demo cluster: simulates a small SLURM cluster against a running Jobmon.
        Jobs are pushed to Jobmon's SLURM API (as ops/slurm/jobmon_slurm does), node metrics are
        written to InfluxDB in cc-metric-collector's format.

        Usage: ops/demo/run [options]

          --jobmon <url>        Jobmon base URL                env JOBMON_DEMO_URL   (default http://127.0.0.1:8080)
          --token <token>       ingestion token (required)     env JOBMON_INGEST_TOKEN
          --influx <url>        InfluxDB URL (v1 API)          env JOBMON_INFLUXDB   (unset: jobs only, no metrics)
          --influx-token <t>    InfluxDB token (2.x)           env JOBMON_INFLUXDB_TOKEN
          --database <name>     InfluxDB database / bucket     env JOBMON_INFLUXDB_BUCKET (default jobmon)
          --cluster <name>      cluster name                   (default demo)
          --nodes <n>           number of nodes, named <cluster>001…; the last quarter has 4 GPUs each (default 16)
          --interval <s>        collector interval in seconds  (default 10)
          --speed <x>           job durations (5-60 min) and arrivals are divided by x (default 1)
          --backfill <hours>    simulate this much history first, so charts are full at once (default 2; 0 = none)
          --duration <s>        seconds of live simulation after the backfill (default 0 = until Ctrl-C)
          --seed <n>            random seed (default: random; printed at start)
          -h, --help            this text
        """;

    public string JobmonUrl { get; set; } = "http://127.0.0.1:8080";
    public string? Token { get; set; }
    public string? InfluxUrl { get; set; }
    public string? InfluxToken { get; set; }
    public string Database { get; set; } = "jobmon";
    public string Cluster { get; set; } = "demo";
    public int Nodes { get; set; } = 16;
    public int IntervalSeconds { get; set; } = 10;
    public double Speed { get; set; } = 1;
    public double BackfillHours { get; set; } = 2;
    public double DurationSeconds { get; set; }
    public int? Seed { get; set; }
    public bool Help { get; set; }

    /// <summary>Parses <paramref name="args"/> over the environment; throws <see cref="ArgumentException"/> with a readable message.</summary>
    public static DemoOptions Parse(string[] args, Func<string, string?> env)
    {
        var o = new DemoOptions();
        string? Env(string name) => env(name) is { Length: > 0 } v ? v.Trim() : null;
        o.JobmonUrl = Env("JOBMON_DEMO_URL") ?? o.JobmonUrl;
        o.Token = Env("JOBMON_INGEST_TOKEN");
        o.InfluxUrl = Env("JOBMON_INFLUXDB");
        o.InfluxToken = Env("JOBMON_INFLUXDB_TOKEN");
        o.Database = Env("JOBMON_INFLUXDB_BUCKET") ?? o.Database;

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is var eq and > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inline is not null) return inline;
                if (i + 1 >= args.Length) throw new ArgumentException($"{arg} needs a value.");
                return args[++i];
            }

            switch (arg)
            {
                case "-h" or "--help": o.Help = true; break;
                case "--jobmon": o.JobmonUrl = Value(); break;
                case "--token": o.Token = Value(); break;
                case "--influx": o.InfluxUrl = Value(); break;
                case "--influx-token": o.InfluxToken = Value(); break;
                case "--database" or "--bucket": o.Database = Value(); break;
                case "--cluster": o.Cluster = Value(); break;
                case "--nodes": o.Nodes = Int(arg, Value(), 1, 999); break;
                case "--interval": o.IntervalSeconds = Int(arg, Value(), 1, 3600); break;
                case "--speed": o.Speed = Number(arg, Value(), 0.01, 1000); break;
                case "--backfill": o.BackfillHours = Number(arg, Value(), 0, 24 * 7); break;
                case "--duration": o.DurationSeconds = Number(arg, Value(), 0, 365 * 86400.0); break;
                case "--seed": o.Seed = Int(arg, Value(), int.MinValue, int.MaxValue); break;
                default: throw new ArgumentException($"unknown option '{args[i]}' (see --help).");
            }
        }

        if (o.Help) return o;
        o.JobmonUrl = NormalizeJobmonUrl(o.JobmonUrl);
        if (string.IsNullOrWhiteSpace(o.Token))
            throw new ArgumentException("the ingestion token is required: --token <token> or JOBMON_INGEST_TOKEN (ops/run prints it).");
        o.Token = StripBearer(o.Token);
        if (o.InfluxUrl is not null && !IsHttpUrl(o.InfluxUrl))
            throw new ArgumentException($"--influx must be an http(s) URL (got '{o.InfluxUrl}').");
        if (string.IsNullOrWhiteSpace(o.Database)) throw new ArgumentException("--database must not be empty.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(o.Cluster, "^[A-Za-z][A-Za-z0-9_-]{0,63}$"))
            throw new ArgumentException($"--cluster must be a simple name (letters, digits, '-', '_'; got '{o.Cluster}').");
        return o;
    }

    private static string NormalizeJobmonUrl(string url)
    {
        url = url.Trim().TrimEnd('/');
        if (!IsHttpUrl(url)) throw new ArgumentException($"--jobmon must be an http(s) URL (got '{url}').");
        // Accept the SLURM script's API_URL form (…/api) as well.
        return url.EndsWith("/api", StringComparison.OrdinalIgnoreCase) ? url[..^4] : url;
    }

    private static string StripBearer(string token)
    {
        token = token.Trim();
        return token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? token[7..].Trim() : token;
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    private static int Int(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new ArgumentException($"{name} must be a whole number between {min} and {max} (got '{text}').");

    private static double Number(string name, string text, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new ArgumentException($"{name} must be a number between {min} and {max} (got '{text}').");
}
