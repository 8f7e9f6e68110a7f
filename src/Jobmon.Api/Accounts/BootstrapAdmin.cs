using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Jobmon.Infrastructure;
using Marten;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Jobmon.Accounts;

public sealed class BootstrapAdmin(AccountService accounts) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => accounts.EnsureBootstrapAdminAsync(ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
