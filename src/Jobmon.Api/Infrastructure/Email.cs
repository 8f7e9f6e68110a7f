using System.Net.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;
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
/// Sends with MailKit's SMTP client (one message per connection). Security: <c>tls</c> is implicit TLS, <c>starttls</c>
/// requires STARTTLS, <c>none</c> stays plain, <c>auto</c> is implicit TLS on port 465 and otherwise STARTTLS when the
/// server offers it. The password is never sent over a connection that is not encrypted. Certificates are validated
/// as .NET's SslStream does by default (chain and host name, no revocation check: an unreachable CRL server must not
/// stop the admins' mail).
/// </summary>
public sealed class SmtpMailer(JobmonSettings settings, TimeProvider clock, ILogger<SmtpMailer> logger)
{
    /// <summary>Accepts a server certificate; only tests replace it (to trust their own certificate).</summary>
    internal RemoteCertificateValidationCallback CertificateValidation { get; init; } =
        (_, _, _, errors) => errors == SslPolicyErrors.None;

    public Task SendAsync(string subject, string body, CancellationToken ct) => SendAsync(settings.Email.Receivers, subject, body, ct);

    /// <summary>To the given addresses instead of the admins (e.g. a job's owner).</summary>
    public async Task SendAsync(IReadOnlyList<string> receivers, string subject, string body, CancellationToken ct)
    {
        var e = settings.Email;
        if (!e.Enabled) return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(e.Timeout);
        ct = timeout.Token;

        using var smtp = new SmtpClient
        {
            LocalDomain = System.Net.Dns.GetHostName(),
            Timeout = (int)Math.Min(int.MaxValue, e.Timeout.TotalMilliseconds),
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = CertificateValidation,
        };
        try
        {
            var message = Compose(e, receivers, subject, body);
            await smtp.ConnectAsync(e.SmtpHost!, e.SmtpPort, SocketOptions(e), ct);
            if (e.Password is { Length: > 0 } password)
            {
                if (!smtp.IsEncrypted)
                    throw new SmtpDeliveryException(
                        "refusing to send the SMTP password without TLS (Jobmon:Email:Security)");
                await smtp.AuthenticateAsync(e.Username is { Length: > 0 } u ? u : e.Sender!, password, ct);
            }
            await smtp.SendAsync(message, MailboxAddress.Parse(e.Sender!), receivers.Select(MailboxAddress.Parse), ct);
        }
        catch (Exception x) when (x is MailKit.CommandException or MailKit.ProtocolException or SslHandshakeException
                                       or MailKit.Security.AuthenticationException or NotSupportedException
                                       or ParseException)
        {
            // The server's answer, never the credentials (MailKit's messages do not contain them).
            throw new SmtpDeliveryException(x.Message, x);
        }
        try { await smtp.DisconnectAsync(quit: true, ct); }
        catch (Exception) { /* the message is accepted already */ }
        logger.LogInformation("Mailed the admins: {Subject}", subject);
    }

    private static SecureSocketOptions SocketOptions(EmailSettings e) => e.Security switch
    {
        "tls" => SecureSocketOptions.SslOnConnect,
        "starttls" => SecureSocketOptions.StartTls,
        "none" => SecureSocketOptions.None,
        _ => e.SmtpPort == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable,
    };

    private MimeMessage Compose(EmailSettings e, IReadOnlyList<string> receivers, string subject, string body)
    {
        var message = new MimeMessage
        {
            // Header values are one line: a subject made of user input must not start a header of its own.
            Subject = new string(subject.Select(c => char.IsControl(c) ? ' ' : c).ToArray()),
            Date = clock.GetUtcNow(),
            MessageId = MimeUtils.GenerateMessageId(e.Sender!.Split('@')[1]),
        };
        var text = new TextPart(TextFormat.Plain)
        {
            // Base64, as before: the body is user text and may hold lines starting with "." or "From ".
            ContentTransferEncoding = ContentEncoding.Base64,
        };
        text.SetText("utf-8", body.ReplaceLineEndings("\r\n"));
        message.Body = text;
        message.From.Add(new MailboxAddress("Jobmon", e.Sender));
        message.To.AddRange(receivers.Select(MailboxAddress.Parse));
        return message;
    }
}

public sealed class SmtpDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
