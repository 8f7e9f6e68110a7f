using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;

namespace Jobmon.Tests.Infrastructure;

/// <summary>A received message: the envelope and the DATA as sent (dot-stuffing removed).</summary>
public sealed record SmtpMessage(string From, string[] To, string Data)
{
    /// <summary>The header's value as sent, folded lines joined (RFC 5322 2.2.3); "" when absent.</summary>
    public string Header(string name)
    {
        var lines = Data.Split("\r\n").TakeWhile(l => l.Length > 0).ToList();
        var at = lines.FindIndex(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
        if (at < 0) return "";
        var value = new StringBuilder(lines[at][(name.Length + 1)..]);
        for (var i = at + 1; i < lines.Count && lines[i].Length > 0 && lines[i][0] is ' ' or '\t'; i++)
            value.Append(lines[i]);
        return value.ToString().Trim();
    }

    /// <summary>The header with RFC 2047 encoded words (B and Q, UTF-8) decoded, as a mail program shows it.</summary>
    public string DecodedHeader(string name) => EncodedWord.Replace(Header(name), m =>
    {
        var bytes = m.Groups[2].Value.ToUpperInvariant() == "B"
            ? Convert.FromBase64String(m.Groups[3].Value)
            : QuotedPrintable(m.Groups[3].Value.Replace('_', ' '));
        return Encoding.GetEncoding(m.Groups[1].Value).GetString(bytes);
    });

    // Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
    private static readonly System.Text.RegularExpressions.Regex EncodedWord =
        new(@"=\?([^?]+)\?([BbQq])\?([^?]*)\?=(?:\s+(?==\?))?");

    private static byte[] QuotedPrintable(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
            if (text[i] == '=' && i + 2 < text.Length)
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.Add((byte)text[i]);
        return bytes.ToArray();
    }

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
/// With a certificate it speaks TLS as a mail server does: STARTTLS (offered in EHLO until the connection is
/// encrypted) or, with <c>implicitTls</c>, TLS from the first byte (port 465 style); then it offers AUTH PLAIN and
/// LOGIN and records the credentials it was given.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SmtpMessage> _received = Channel.CreateUnbounded<SmtpMessage>();
    private readonly Task _loop;
    private readonly X509Certificate2? _certificate;
    private readonly bool _implicitTls;
    private int _refuse;

    public int Port { get; }
    public int Connections;
    /// <summary>Every command line received (outside DATA and AUTH's continuation lines).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Commands { get; } = new();
    /// <summary>User name and password of every AUTH, and whether the connection was encrypted at the time.</summary>
    public ConcurrentQueue<(string User, string Password, bool Encrypted)> Logins { get; } =
        new();

    public TestSmtpServer(X509Certificate2? certificate = null, bool implicitTls = false)
    {
        _certificate = certificate;
        _implicitTls = implicitTls;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptLoopAsync();
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost (no client trusts it unless told to).</summary>
    public static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        // Through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
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

    /// <summary>The address inside "FROM:&lt;a@b&gt; BODY=8BITMIME" (parameters after the path are ignored).</summary>
    private static string PathOf(string line)
    {
        var path = line[(line.IndexOf(':') + 1)..].Trim();
        var open = path.IndexOf('<');
        var close = path.IndexOf('>');
        return open >= 0 && close > open ? path[(open + 1)..close] : path.Split(' ')[0];
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var ct = timeout.Token;
        Stream stream = client.GetStream();
        try
        {
            if (_certificate is not null && _implicitTls) stream = await TlsAsync(stream, ct);
            var encrypted = stream is SslStream;
            var reader = new StreamReader(stream, Encoding.UTF8);
            async Task Reply(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), ct);
            await Reply("220 test-smtp ready");
            string? from = null;
            var to = new List<string>();
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                Commands.Enqueue(line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await Reply("250-test-smtp");
                        if (_certificate is not null && !encrypted) await Reply("250-STARTTLS");
                        if (_certificate is not null) await Reply("250-AUTH PLAIN LOGIN");
                        await Reply("250 8BITMIME");
                        break;
                    case "HELO": await Reply("250 test-smtp"); break;
                    case "STARTTLS" when _certificate is not null && !encrypted:
                        await Reply("220 ready to start TLS");
                        stream = await TlsAsync(stream, ct);
                        reader = new StreamReader(stream, Encoding.UTF8);
                        encrypted = true;
                        from = null; to.Clear(); // RFC 3207: the client starts over with EHLO
                        break;
                    case "AUTH":
                        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        string user, password;
                        if (words.Length >= 2 && words[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
                        {
                            var response = words.Length >= 3 ? words[2] : null;
                            if (response is null)
                            {
                                await Reply("334 ");
                                response = await reader.ReadLineAsync(ct) ?? "";
                            }
                            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(response)).Split('\0');
                            (user, password) = (parts[1], parts[2]);
                        }
                        else if (words.Length >= 2 && words[1].Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
                        {
                            await Reply("334 VXNlcm5hbWU6");
                            user = Base64Line(await reader.ReadLineAsync(ct));
                            await Reply("334 UGFzc3dvcmQ6");
                            password = Base64Line(await reader.ReadLineAsync(ct));
                        }
                        else { await Reply("504 mechanism not supported"); break; }
                        Logins.Enqueue((user, password, encrypted));
                        await Reply("235 2.7.0 authenticated");
                        break;
                    case "MAIL":
                        if (Interlocked.Decrement(ref _refuse) >= 0) { await Reply("451 4.3.0 try again later"); break; }
                        from = PathOf(line); to.Clear(); await Reply("250 ok"); break;
                    case "RCPT": to.Add(PathOf(line)); await Reply("250 ok"); break;
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
        catch (Exception) { /* client went away, or refused the certificate */ }
        finally { if (stream is SslStream tls) await tls.DisposeAsync(); }
    }

    private static string Base64Line(string? line) => Encoding.UTF8.GetString(Convert.FromBase64String(line ?? ""));

    private async Task<SslStream> TlsAsync(Stream inner, CancellationToken ct)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: true);
        var options = new SslServerAuthenticationOptions { ServerCertificate = _certificate };
        await tls.AuthenticateAsServerAsync(options, ct);
        return tls;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop; } catch { }
    }
}
