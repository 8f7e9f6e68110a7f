using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Wolverine.ErrorHandling;

namespace Jobmon.Infrastructure;

/// <summary>Admin notifications by e-mail (the original's EmailNotification: SmtpHost, SmtpPort, SenderAddress,
/// SenderPassword, ReceiverAddress). Sent when SmtpHost, Sender and Receiver are set.</summary>
public sealed class EmailSettings
{
    public string? SmtpHost { get; set; }
    public int SmtpPort { get; set; } = 587;
    /// <summary>The From address; also the SMTP user name unless <see cref="Username"/> is set (as in the original).</summary>
    public string? Sender { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary>The admins' address(es), comma-separated.</summary>
    public string? Receiver { get; set; }
    /// <summary>auto (implicit TLS on port 465, else STARTTLS when the server offers it), tls, starttls or none.
    /// The password is never sent without TLS.</summary>
    public string Security { get; set; } = "auto";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(SmtpHost) && !string.IsNullOrWhiteSpace(Sender) && !string.IsNullOrWhiteSpace(Receiver);

    public string[] Receivers => (Receiver ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Validate()
    {
        if (!Enabled) return;
        if (SmtpPort is < 1 or > 65535) throw new InvalidOperationException("Jobmon:Email:SmtpPort must be a TCP port.");
        if (Security is not ("auto" or "tls" or "starttls" or "none")) throw new InvalidOperationException("Jobmon:Email:Security must be auto, tls, starttls or none.");
        foreach (var address in Receivers.Append(Sender!))
            if (!IsAddress(address)) throw new InvalidOperationException($"Jobmon:Email: '{address}' is not an e-mail address.");
    }

    private static bool IsAddress(string a) => a.Length <= 254 && a.IndexOf('@') > 0 && a.IndexOf('@') < a.Length - 1 && !a.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' || char.IsControl(c));
}

/// <summary>A mail to the admins: a durable Wolverine message, so the request that caused it never waits for SMTP and
/// never fails because of it. A mail server that is down delays the mail: retried for about 1.5 hours, then kept in
/// Wolverine's dead-letter table (not silently dropped).</summary>
public sealed record NotifyAdmins(string Subject, string Body);

public static class NotifyAdminsHandler
{
    public static void Configure(Wolverine.Runtime.Handlers.HandlerChain chain) =>
        chain.OnAnyException().RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1));

    public static Task Handle(NotifyAdmins message, SmtpMailer mailer, CancellationToken ct) => mailer.SendAsync(message.Subject, message.Body, ct);
}

/// <summary>
/// A small SMTP client (RFC 5321): implicit TLS or STARTTLS, AUTH PLAIN/LOGIN, one message per connection. Written
/// here because System.Net.Mail.SmtpClient cannot do implicit TLS (port 465, the original's sample setting).
/// </summary>
public sealed class SmtpMailer(JobmonSettings settings, TimeProvider clock, ILogger<SmtpMailer> logger)
{
    public Task SendAsync(string subject, string body, CancellationToken ct) => SendAsync(settings.Email.Receivers, subject, body, ct);

    /// <summary>To the given addresses instead of the admins (e.g. a job's owner).</summary>
    public async Task SendAsync(IReadOnlyList<string> receivers, string subject, string body, CancellationToken ct)
    {
        var e = settings.Email;
        if (!e.Enabled) return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(e.Timeout);
        ct = timeout.Token;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(e.SmtpHost!, e.SmtpPort, ct);
        await using var plain = tcp.GetStream();
        Stream stream = plain;
        try { await DialogueAsync(e, receivers, subject, body, stream, s => stream = s, ct); }
        finally { if (!ReferenceEquals(stream, plain)) await stream.DisposeAsync(); }
        logger.LogInformation("Mailed the admins: {Subject}", subject);
    }

    private async Task DialogueAsync(EmailSettings e, IReadOnlyList<string> receivers, string subject, string body, Stream stream, Action<Stream> upgraded, CancellationToken ct)
    {
        var secure = e.Security == "tls" || (e.Security == "auto" && e.SmtpPort == 465);
        if (secure) upgraded(stream = await TlsAsync(stream, e.SmtpHost!, ct));
        var smtp = new SmtpDialogue(stream);
        await smtp.ExpectAsync(220, ct);
        var helo = System.Net.Dns.GetHostName();
        var features = await smtp.CommandAsync($"EHLO {helo}", 250, ct);
        if (!secure && e.Security != "none" && (e.Security == "starttls" || features.Any(f => f.StartsWith("STARTTLS", StringComparison.OrdinalIgnoreCase))))
        {
            await smtp.CommandAsync("STARTTLS", 220, ct);
            upgraded(stream = await TlsAsync(stream, e.SmtpHost!, ct));
            smtp = new SmtpDialogue(stream);
            features = await smtp.CommandAsync($"EHLO {helo}", 250, ct);
            secure = true;
        }
        if (e.Password is { Length: > 0 } password)
        {
            if (!secure) throw new SmtpDeliveryException("refusing to send the SMTP password without TLS (Jobmon:Email:Security)");
            var user = e.Username is { Length: > 0 } u ? u : e.Sender!;
            var auth = features.FirstOrDefault(f => f.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase)) ?? "AUTH PLAIN";
            if (auth.Contains("PLAIN", StringComparison.OrdinalIgnoreCase))
                await smtp.CommandAsync("AUTH PLAIN " + B64($"\0{user}\0{password}"), 235, ct, secret: true);
            else
            {
                await smtp.CommandAsync("AUTH LOGIN", 334, ct);
                await smtp.CommandAsync(B64(user), 334, ct, secret: true);
                await smtp.CommandAsync(B64(password), 235, ct, secret: true);
            }
        }
        await smtp.CommandAsync($"MAIL FROM:<{e.Sender}>", 250, ct);
        foreach (var to in receivers) await smtp.CommandAsync($"RCPT TO:<{to}>", 250, ct, alsoOk: 251);
        await smtp.CommandAsync("DATA", 354, ct);
        await smtp.SendDataAsync(Compose(e, receivers, subject, body), ct);
        try { await smtp.CommandAsync("QUIT", 221, ct); } catch (Exception) { /* the message is accepted already */ }
    }

    private string Compose(EmailSettings e, IReadOnlyList<string> receivers, string subject, string body)
    {
        var text = new StringBuilder();
        text.Append("From: Jobmon <").Append(e.Sender).Append(">\r\n");
        text.Append("To: ").Append(string.Join(", ", receivers)).Append("\r\n");
        text.Append("Subject: ").Append(EncodeHeader(subject)).Append("\r\n");
        text.Append("Date: ").Append(clock.GetUtcNow().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append('@').Append(e.Sender!.Split('@')[1]).Append(">\r\n");
        text.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(body.ReplaceLineEndings("\r\n")));
        for (var i = 0; i < encoded.Length; i += 76) text.Append(encoded.AsSpan(i, Math.Min(76, encoded.Length - i))).Append("\r\n");
        return text.ToString();
    }

    /// <summary>Header values are one line; non-ASCII as an RFC 2047 encoded word.</summary>
    private static string EncodeHeader(string value)
    {
        value = new string(value.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return value.All(char.IsAscii) ? value : $"=?utf-8?B?{B64(value)}?=";
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static async Task<Stream> TlsAsync(Stream inner, string host, CancellationToken ct)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, ct);
        return tls;
    }

    private sealed class SmtpDialogue(Stream stream)
    {
        private readonly StreamReader _reader = new(stream, Encoding.ASCII, false, 1024, leaveOpen: true);

        public async Task<List<string>> ExpectAsync(int code, CancellationToken ct, int? alsoOk = null)
        {
            var lines = new List<string>();
            while (true)
            {
                var line = await _reader.ReadLineAsync(ct) ?? throw new SmtpDeliveryException("the server closed the connection");
                if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var status)) throw new SmtpDeliveryException($"unexpected reply: {line}");
                lines.Add(line.Length > 4 ? line[4..] : "");
                if (line.Length > 3 && line[3] == '-') continue;
                if (status != code && status != alsoOk) throw new SmtpDeliveryException($"expected {code}, got: {line}");
                return lines;
            }
        }

        public async Task<List<string>> CommandAsync(string command, int expect, CancellationToken ct, bool secret = false, int? alsoOk = null)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"), ct);
            await stream.FlushAsync(ct);
            try { return await ExpectAsync(expect, ct, alsoOk); }
            catch (SmtpDeliveryException e) { throw new SmtpDeliveryException($"{(secret ? command.Split(' ')[0] + " ..." : command)}: {e.Message}"); }
        }

        /// <summary>The message with dot-stuffing, ended by a line with a single dot.</summary>
        public async Task SendDataAsync(string message, CancellationToken ct)
        {
            var text = new StringBuilder();
            foreach (var line in message.Split("\r\n"))
                text.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
            if (message.EndsWith("\r\n")) text.Length -= 2; // Split yields a trailing empty line
            text.Append(".\r\n");
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), ct);
            await stream.FlushAsync(ct);
            await ExpectAsync(250, ct);
        }
    }
}

public sealed class SmtpDeliveryException(string message) : Exception(message);
