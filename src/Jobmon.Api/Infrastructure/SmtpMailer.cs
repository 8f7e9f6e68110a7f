using System.Net.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;
using Wolverine.ErrorHandling;

namespace Jobmon.Infrastructure;

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

    public Task SendAsync(string subject, string body, CancellationToken ct)
        => SendAsync(settings.Email.Receivers, subject, body, ct);

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
