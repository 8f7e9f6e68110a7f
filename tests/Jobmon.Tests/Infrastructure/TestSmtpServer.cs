using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Jobmon.Tests.Infrastructure;

/// <summary>A received message: the envelope and the DATA as sent (dot-stuffing removed).</summary>
public sealed record SmtpMessage(string From, string[] To, string Data)
{
    public string Header(string name) =>
        Data.Split("\r\n").TakeWhile(l => l.Length > 0).FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim() ?? "";

    /// <summary>The text body (base64 or plain).</summary>
    public string Body
    {
        get
        {
            var raw = Data[(Data.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
            return Header("Content-Transfer-Encoding").Equals("base64", StringComparison.OrdinalIgnoreCase)
                ? Encoding.UTF8.GetString(Convert.FromBase64String(raw.Replace("\r\n", "")))
                : raw;
        }
    }
}

/// <summary>
/// Just enough SMTP on a loopback port to accept messages: 220, EHLO/HELO 250, MAIL FROM 250, RCPT TO 250, DATA 354,
/// the message up to ".", 250, QUIT 221. <see cref="RefuseNext"/> answers the next MAIL FROM with a temporary 451.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SmtpMessage> _received = Channel.CreateUnbounded<SmtpMessage>();
    private readonly Task _loop;
    private int _refuse;

    public int Port { get; }
    public int Connections;
    /// <summary>Every command line received (outside DATA).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Commands { get; } = new();

    public TestSmtpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptLoopAsync();
    }

    /// <summary>Refuse the next n delivery attempts (451, try again later).</summary>
    public void RefuseNext(int attempts = 1) => Interlocked.Exchange(ref _refuse, attempts);

    public async Task<SmtpMessage> NextMessageAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { return await _received.Reader.ReadAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"no mail arrived within {timeout}"); }
    }

    public bool TryTake(out SmtpMessage? message) => _received.Reader.TryRead(out message);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref Connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var ct = timeout.Token;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.UTF8);
        async Task Reply(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), ct);
        try
        {
            await Reply("220 test-smtp ready");
            string? from = null;
            var to = new List<string>();
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                Commands.Enqueue(line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO": await Reply("250-test-smtp"); await Reply("250 8BITMIME"); break;
                    case "HELO": await Reply("250 test-smtp"); break;
                    case "MAIL":
                        if (Interlocked.Decrement(ref _refuse) >= 0) { await Reply("451 4.3.0 try again later"); break; }
                        from = line[(line.IndexOf(':') + 1)..].Trim().Trim('<', '>'); to.Clear(); await Reply("250 ok"); break;
                    case "RCPT": to.Add(line[(line.IndexOf(':') + 1)..].Trim().Trim('<', '>')); await Reply("250 ok"); break;
                    case "DATA":
                        if (from is null || to.Count == 0) { await Reply("503 bad sequence"); break; }
                        await Reply("354 end with <CRLF>.<CRLF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(ct) is { } dataLine && dataLine != ".")
                            data.Append(dataLine.StartsWith("..") ? dataLine[1..] : dataLine).Append("\r\n");
                        _received.Writer.TryWrite(new SmtpMessage(from, to.ToArray(), data.ToString()));
                        await Reply("250 queued");
                        from = null;
                        break;
                    case "RSET": from = null; to.Clear(); await Reply("250 ok"); break;
                    case "NOOP": await Reply("250 ok"); break;
                    case "QUIT": await Reply("221 bye"); return;
                    default: await Reply("502 not implemented"); break;
                }
            }
        }
        catch (Exception) { /* client went away */ }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop; } catch { }
    }
}
