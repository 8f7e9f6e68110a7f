using System.Security.Cryptography.X509Certificates;
using Jobmon.Infrastructure;
using Jobmon.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jobmon.Tests;

/// <summary>The mailer (MailKit) against a real SMTP peer on loopback: the dialogue, TLS, AUTH and the
/// message.</summary>
public sealed class SmtpMailerTests
{
    private const string Sender = "jobmon@hpc.example.org";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static (JobmonSettings Settings, Func<SmtpMailer> Mailer) Setup(int port, string security,
        string? password = null, X509Certificate2? trusted = null)
    {
        var settings = new JobmonSettings
        {
            Email = new()
            {
                SmtpHost = "127.0.0.1", SmtpPort = port, Sender = Sender, Receiver = "admins@hpc.example.org",
                Security = security, Password = password, Timeout = TimeSpan.FromSeconds(10),
            },
        };
        var clock = new FixedClock(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        return (settings, () => trusted is null
            ? new SmtpMailer(settings, clock, NullLogger<SmtpMailer>.Instance)
            // The test's own certificate, pinned by thumbprint: no CA would sign it.
            : new SmtpMailer(settings, clock, NullLogger<SmtpMailer>.Instance)
            {
                CertificateValidation = (_, cert, _, _) =>
                    cert is not null && cert.GetCertHashString() == trusted.Thumbprint,
            });
    }

    private static Task SendAsync(SmtpMailer mailer) => mailer.SendAsync("s", "b", CancellationToken.None);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task Starttls_then_auth_then_one_message_in_the_order_smtp_prescribes()
    {
        using var certificate = TestSmtpServer.SelfSignedCertificate();
        await using var smtp = new TestSmtpServer(certificate);
        var (_, mailer) = Setup(smtp.Port, "auto", password: "smtp-secret", trusted: certificate);

        await mailer().SendAsync(["owner@hpc.example.org", "admins@hpc.example.org"], "Job 42: idle-gpus",
            "GPUs idle.\n",
            CancellationToken.None);

        var mail = await smtp.NextMessageAsync(Wait);
        var verbs = smtp.Commands.Select(c => c.Split(' ')[0].ToUpperInvariant()).ToArray();
        verbs.ShouldBe(["EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"]);
        smtp.Logins.ShouldBe([(Sender, "smtp-secret", true)]); // the sender is the user name unless one is set
        mail.From.ShouldBe(Sender);
        mail.To.ShouldBe(["owner@hpc.example.org", "admins@hpc.example.org"]);
        mail.Header("From").ShouldBe($"Jobmon <{Sender}>");
        mail.Header("To").ShouldBe("owner@hpc.example.org, admins@hpc.example.org");
        mail.Header("Subject").ShouldBe("Job 42: idle-gpus");
        mail.Header("Date").ShouldBe("Wed, 04 Mar 2026 05:06:07 +0000");
        mail.Header("Message-ID").ShouldEndWith("@hpc.example.org>");
        mail.Header("Content-Type").ShouldBe("text/plain; charset=utf-8");
        mail.Header("Content-Transfer-Encoding").ShouldBe("base64");
        mail.Body.ShouldBe("GPUs idle.\r\n");
    }

    [Fact]
    public async Task Tls_means_tls_from_the_first_byte_and_a_username_replaces_the_sender_as_login()
    {
        using var certificate = TestSmtpServer.SelfSignedCertificate();
        await using var smtp = new TestSmtpServer(certificate, implicitTls: true);
        var (settings, mailer) = Setup(smtp.Port, "tls", password: "pw-1", trusted: certificate);
        settings.Email.Username = "mailer-account";

        await mailer().SendAsync("Subject", "Body", CancellationToken.None);

        (await smtp.NextMessageAsync(Wait)).Body.ShouldBe("Body");
        smtp.Commands.ShouldNotContain("STARTTLS");
        smtp.Logins.ShouldBe([("mailer-account", "pw-1", true)]);
    }

    [Fact]
    public async Task An_untrusted_certificate_stops_the_mail_before_the_password_is_sent()
    {
        using var certificate = TestSmtpServer.SelfSignedCertificate();
        await using var smtp = new TestSmtpServer(certificate);
        var (_, mailer) = Setup(smtp.Port, "starttls", password: "smtp-secret"); // default validation

        await Should.ThrowAsync<SmtpDeliveryException>(() => SendAsync(mailer()));

        smtp.Logins.ShouldBeEmpty();
        smtp.Commands.ShouldNotContain(c => c.StartsWith("AUTH") || c.StartsWith("MAIL"));
        smtp.TryTake(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Starttls_required_but_not_offered_sends_nothing()
    {
        await using var smtp = new TestSmtpServer(); // no certificate: no STARTTLS in EHLO
        var (_, mailer) = Setup(smtp.Port, "starttls");

        var refused = await Should.ThrowAsync<SmtpDeliveryException>(() => SendAsync(mailer()));

        refused.Message.ShouldContain("STARTTLS");
        smtp.Commands.ShouldNotContain(c => c.StartsWith("MAIL"));
    }

    [Fact]
    public async Task None_never_starts_tls_and_so_never_sends_the_password()
    {
        using var certificate = TestSmtpServer.SelfSignedCertificate();
        await using var smtp = new TestSmtpServer(certificate); // offers STARTTLS
        var (_, mailer) = Setup(smtp.Port, "none", password: "smtp-secret", trusted: certificate);

        var refused = await Should.ThrowAsync<SmtpDeliveryException>(() => SendAsync(mailer()));

        refused.Message.ShouldContain("without TLS");
        smtp.Commands.ShouldNotContain("STARTTLS");
        smtp.Logins.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_temporary_refusal_is_a_delivery_exception_carrying_the_server_reply()
    {
        await using var smtp = new TestSmtpServer();
        var (_, mailer) = Setup(smtp.Port, "none");
        smtp.RefuseNext();

        var refused = await Should.ThrowAsync<SmtpDeliveryException>(() => SendAsync(mailer()));

        refused.Message.ShouldContain("try again later");
        smtp.TryTake(out _).ShouldBeFalse();
        // The next attempt (Wolverine's retry) delivers.
        await mailer().SendAsync("s", "second try", CancellationToken.None);
        (await smtp.NextMessageAsync(Wait)).Body.ShouldBe("second try");
    }
}
