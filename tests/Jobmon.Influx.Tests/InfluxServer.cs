// InfluxDB 1.x test server for xunit test projects. Self-contained (BCL + xunit only) so other test projects can link it:
//   <Compile Include="../Jobmon.Influx.Tests/InfluxServer.cs" Link="Influx/InfluxServer.cs" />
// and put [Collection(InfluxServerCollection.Name)] on test classes that take an InfluxServer constructor argument.
//
// JOBMON_TEST_INFLUXDB=http://host:8086  use that running InfluxDB 1.x (optional JOBMON_TEST_INFLUXDB_TOKEN) instead of
//                                        starting one; a database is created for the run and dropped afterwards.
// otherwise                              start a private influxd (Debian package influxdb, /usr/bin/influxd, or the path in
//                                        JOBMON_TEST_INFLUXD) on free loopback ports in a temporary folder, and kill it and
//                                        delete the folder on dispose or when the test process exits.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Jobmon.Testing;

/// <summary>xunit collection that shares one <see cref="InfluxServer"/> between test classes.</summary>
[CollectionDefinition(Name)]
public sealed class InfluxServerCollection : ICollectionFixture<InfluxServer>
{
    /// <summary>Collection name for <c>[Collection(InfluxServerCollection.Name)]</c>.</summary>
    public const string Name = "InfluxDB server";
}

/// <summary>A running InfluxDB 1.x for tests (see the comment at the top of this file).</summary>
public sealed class InfluxServer : IAsyncLifetime
{
    /// <summary>Environment variable with the URL of an existing InfluxDB 1.x.</summary>
    public const string UrlVariable = "JOBMON_TEST_INFLUXDB";

    /// <summary>Environment variable with a token for that server (optional).</summary>
    public const string TokenVariable = "JOBMON_TEST_INFLUXDB_TOKEN";

    /// <summary>Environment variable with another path of the influxd binary.</summary>
    public const string BinaryVariable = "JOBMON_TEST_INFLUXD";

    /// <summary>Default influxd path (Debian package influxdb).</summary>
    public const string DefaultBinary = "/usr/bin/influxd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<string> _createdDatabases = [];
    private Process? _process;
    private string? _folder;
    private EventHandler? _onProcessExit;
    private readonly bool _useEnvironment = true;
    private readonly string? _binaryPath;
    private Uri? _url;

    /// <summary>Fixture constructor: honours <see cref="UrlVariable"/>, <see cref="TokenVariable"/> and <see cref="BinaryVariable"/>.</summary>
    public InfluxServer()
    {
    }

    /// <summary>Always starts a private server from <paramref name="binaryPath"/>, ignoring the environment (for tests of this class).</summary>
    internal InfluxServer(string binaryPath)
    {
        _useEnvironment = false;
        _binaryPath = binaryPath;
    }

    /// <summary>Base URL of the server, e.g. http://127.0.0.1:38123 (no trailing slash).</summary>
    public string BaseUrl => (_url ?? throw new InvalidOperationException("The InfluxDB server is not started.")).ToString().TrimEnd('/');

    /// <summary>Token to send (only for an external server given by <see cref="TokenVariable"/>).</summary>
    public string? Token { get; private set; }

    /// <summary>A database created for this fixture.</summary>
    public string Database { get; private set; } = "";

    /// <summary>True when the server was given by <see cref="UrlVariable"/>.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>influxd's process id (null for an external server).</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>The temporary folder of a private server (null for an external server or after dispose).</summary>
    public string? DataFolder => _folder;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var external = _useEnvironment ? Environment.GetEnvironmentVariable(UrlVariable) : null;
        if (!string.IsNullOrWhiteSpace(external))
        {
            if (!Uri.TryCreate(external.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new InvalidOperationException($"{UrlVariable} must be an absolute http(s) URL, got '{external}'.");
            }

            IsExternal = true;
            _url = uri;
            Token = Environment.GetEnvironmentVariable(TokenVariable);
            await WaitForPingAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        else
        {
            await StartPrivateServerAsync().ConfigureAwait(false);
        }

        Database = await CreateDatabaseAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (IsExternal)
        {
            foreach (var db in _createdDatabases.ToArray())
            {
                try
                {
                    await QueryAsync($"DROP DATABASE \"{db}\"").ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // best effort
                }
            }
        }

        Stop();
        _http.Dispose();
    }

    /// <summary>Creates a database with a unique name (letters, digits, '_') and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "jobmon_test")
    {
        if (prefix.Length == 0 || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("The prefix may contain only ASCII letters, digits and '_'.", nameof(prefix));
        }

        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
        await QueryAsync($"CREATE DATABASE \"{name}\"").ConfigureAwait(false);
        lock (_createdDatabases)
        {
            _createdDatabases.Add(name);
        }

        return name;
    }

    /// <summary>Runs InfluxQL by POST /query (trusted text only) and returns the JSON answer; throws on HTTP errors and statement errors.</summary>
    public async Task<string> QueryAsync(string influxQl, string? database = null)
    {
        var uri = BaseUrl + "/query" + (database is null ? "" : "?db=" + Uri.EscapeDataString(database));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("q", influxQl)]),
        };
        Authorize(request);
        using var response = await _http.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode || body.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"InfluxDB test server: '{influxQl}' failed (HTTP {(int)response.StatusCode}): {body}");
        }

        return body;
    }

    /// <summary>Writes line protocol by POST /write (precision "s", "ms" or "ns").</summary>
    public async Task WriteAsync(string database, string lineProtocol, string precision = "s")
    {
        var uri = $"{BaseUrl}/write?db={Uri.EscapeDataString(database)}&precision={Uri.EscapeDataString(precision)}";
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(lineProtocol, Encoding.UTF8, "text/plain") };
        Authorize(request);
        using var response = await _http.SendAsync(request).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"InfluxDB test server: write failed (HTTP {(int)response.StatusCode}): {body}");
        }
    }

    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (!string.IsNullOrEmpty(Token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", Token);
        }
    }

    private async Task StartPrivateServerAsync()
    {
        var binary = _useEnvironment ? Environment.GetEnvironmentVariable(BinaryVariable) : _binaryPath;
        binary = string.IsNullOrWhiteSpace(binary) ? DefaultBinary : binary.Trim();
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException(
                $"influxd not found at {binary}: install the Debian package influxdb (apt-get install -y influxdb), " +
                $"or set {UrlVariable} to the URL of a running InfluxDB 1.x.");
        }

        _folder = Path.Combine(Path.GetTempPath(), "jobmon-influx-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_folder);
        _onProcessExit = (_, _) => Stop();
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;

        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var httpPort = GetFreePort();
            var rpcPort = GetFreePort();
            var config = Path.Combine(_folder, "influxdb.conf");
            await File.WriteAllTextAsync(config, Config(_folder, httpPort, rpcPort)).ConfigureAwait(false);
            _url = new Uri($"http://127.0.0.1:{httpPort}");
            StartProcess(binary, config);
            try
            {
                await WaitForPingAsync(StartTimeout).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                last = ex;
                KillProcess();
            }
        }

        Stop();
        throw new InvalidOperationException($"influxd did not start: {last?.Message}", last);
    }

    private static string Config(string folder, int httpPort, int rpcPort)
    {
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var inv = CultureInfo.InvariantCulture;
        return string.Join('\n',
            "reporting-disabled = true",
            string.Create(inv, $"bind-address = \"127.0.0.1:{rpcPort}\""),
            "",
            "[meta]",
            $"  dir = {Q(Path.Combine(folder, "meta"))}",
            "  logging-enabled = false",
            "",
            "[data]",
            $"  dir = {Q(Path.Combine(folder, "data"))}",
            $"  wal-dir = {Q(Path.Combine(folder, "wal"))}",
            "  query-log-enabled = false",
            "",
            "[retention]",
            "  enabled = false",
            "",
            "[shard-precreation]",
            "  enabled = false",
            "",
            "[monitor]",
            "  store-enabled = false",
            "",
            "[subscriber]",
            "  enabled = false",
            "",
            "[http]",
            "  enabled = true",
            string.Create(inv, $"  bind-address = \"127.0.0.1:{httpPort}\""),
            "  auth-enabled = false",
            "  log-enabled = false",
            "",
            "[logging]",
            "  level = \"warn\"",
            "",
            "[continuous_queries]",
            "  enabled = false",
            "");
    }

    private void StartProcess(string binary, string config)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder!,
        };
        psi.ArgumentList.Add("run");
        psi.ArgumentList.Add("-config");
        psi.ArgumentList.Add(config);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("INFLUXDB_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key); // INFLUXDB_* would override the generated config
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 50 && _output.TryDequeue(out _))
        {
        }
    }

    private async Task WaitForPingAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        using var ping = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string? lastError = null;
        while (deadline.Elapsed < timeout)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException(
                    $"influxd exited with code {_process.ExitCode} before answering /ping. Output:\n{string.Join('\n', _output)}");
            }

            try
            {
                using var response = await ping.GetAsync(BaseUrl + "/ping").ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }

                lastError = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                lastError = ex.Message;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new InvalidOperationException(
            $"InfluxDB at {BaseUrl} did not answer /ping within {timeout.TotalSeconds} s ({lastError}). Output:\n{string.Join('\n', _output)}");
    }

    private void KillProcess()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            process.Dispose();
        }
    }

    private void Stop()
    {
        KillProcess();
        var folder = Interlocked.Exchange(ref _folder, null);
        if (folder is not null)
        {
            for (var i = 0; i < 5 && Directory.Exists(folder); i++)
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                    Thread.Sleep(100);
                }
                catch (UnauthorizedAccessException)
                {
                    Thread.Sleep(100);
                }
            }
        }

        var handler = Interlocked.Exchange(ref _onProcessExit, null);
        if (handler is not null)
        {
            AppDomain.CurrentDomain.ProcessExit -= handler;
        }
    }
}
