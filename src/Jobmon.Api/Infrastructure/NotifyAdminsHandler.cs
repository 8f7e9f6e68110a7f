using System.Net.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;
using Wolverine.ErrorHandling;

namespace Jobmon.Infrastructure;

public static class NotifyAdminsHandler
{
    public static void Configure(Wolverine.Runtime.Handlers.HandlerChain chain) =>
        chain.OnAnyException().RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5),
            TimeSpan.FromSeconds(30))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1));

    public static Task Handle(NotifyAdmins message, SmtpMailer mailer, CancellationToken ct)
        => mailer.SendAsync(message.Subject, message.Body, ct);
}
