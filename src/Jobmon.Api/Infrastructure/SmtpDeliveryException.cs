using System.Net.Security;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;
using MimeKit.Utils;
using Wolverine.ErrorHandling;

namespace Jobmon.Infrastructure;

public sealed class SmtpDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
