namespace Jobmon.Infrastructure;


/// <summary>Who a bearer token belongs to. The Accounts slice answers (API keys, sessions, original tokens); the
/// authentication handler here only asks, so Infrastructure needs no feature.</summary>
public interface ITokenAuthenticator
{
    Task<AuthenticatedCaller?> AuthenticateAsync(string token, CancellationToken ct);
}
