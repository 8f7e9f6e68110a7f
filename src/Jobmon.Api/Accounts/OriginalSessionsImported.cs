namespace Jobmon.Accounts;

/// <summary>Marks that import-original has read the original's user_sessions: from then on only the original tokens
/// found there are accepted.</summary>
public sealed class OriginalSessionsImported
{
    public const string DocumentId = "original-sessions";
    public string Id { get; set; } = DocumentId;
    public DateTimeOffset At { get; set; }
    public int Tokens { get; set; }
}
