using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Npgsql;
using Wolverine;

namespace Jobmon.Metrics;


public static class MailFindingHandler
{
    public static void Configure(Wolverine.Runtime.Handlers.HandlerChain chain) => NotifyAdminsHandler.Configure(chain);

    public static Task Handle(MailFinding message, SmtpMailer mailer, CancellationToken ct)
        => mailer.SendAsync(message.To, message.Subject, message.Body, ct);
}
