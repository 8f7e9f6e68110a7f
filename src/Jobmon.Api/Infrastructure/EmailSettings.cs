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
    /// <summary>The From address; also the SMTP user name unless <see cref="Username"/> is set (as in the
    /// original).</summary>
    public string? Sender { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary>The admins' address(es), comma-separated.</summary>
    public string? Receiver { get; set; }
    /// <summary>auto (implicit TLS on port 465, else STARTTLS when the server offers it), tls, starttls or none.
    /// The password is never sent without TLS.</summary>
    public string Security { get; set; } = "auto";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(SmtpHost) && !string.IsNullOrWhiteSpace(Sender)
        && !string.IsNullOrWhiteSpace(Receiver);

    public string[] Receivers => (Receiver ?? "").Split([',', ';'],
        StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Validate()
    {
        if (!Enabled) return;
        if (SmtpPort is < 1 or > 65535)
            throw new InvalidOperationException("Jobmon:Email:SmtpPort must be a TCP port.");
        if (Security is not ("auto" or "tls" or "starttls" or "none"))
            throw new InvalidOperationException("Jobmon:Email:Security must be auto, tls, starttls or none.");
        foreach (var address in Receivers.Append(Sender!))
            if (!IsAddress(address))
                throw new InvalidOperationException($"Jobmon:Email: '{address}' is not an e-mail address.");
    }

    private static bool IsAddress(string a) => a.Length <= 254 && a.IndexOf('@') > 0 && a.IndexOf('@') < a.Length - 1
        && !a.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' || char.IsControl(c));
}
