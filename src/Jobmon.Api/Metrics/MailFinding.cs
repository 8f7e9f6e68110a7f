using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Writing;
using Marten;
using Npgsql;
using Wolverine;

namespace Jobmon.Metrics;


/// <summary>A finding mailed to the job's owner and/or the admins: durable, retried like the admins'
/// notifications.</summary>
public sealed record MailFinding(string[] To, string Subject, string Body);
