using System.Net.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;
using Wolverine.ErrorHandling;

namespace Jobmon.Infrastructure;

/// <summary>A mail to the admins: a durable Wolverine message, so the request that caused it never waits for SMTP and
/// never fails because of it. A mail server that is down delays the mail: retried for about 1.5 hours, then kept in
/// Wolverine's dead-letter table (not silently dropped).</summary>
public sealed record NotifyAdmins(string Subject, string Body);
