using System.Net;
using System.Net.Sockets;

namespace Jobmon.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of a real server (PostgreSQL, InfluxDB), for outage tests: <see cref="Cut"/> breaks
/// every relayed connection (as a restart or a network cut does to a pool's keep-alive connections) and resets new
/// ones until <see cref="Restore"/>.
/// </summary>
public sealed class TcpRelay : IDisposable, IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource _connections = new();
    private volatile bool _down;
    public int Port { get; }

    public TcpRelay(int targetPort)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); } catch { return; }
                if (_down) { client.Client.LingerState = new LingerOption(true, 0); client.Dispose(); continue; }
                var token = _connections.Token;
                _ = Task.Run(async () =>
                {
                    using (client)
                    using (var target = new TcpClient())
                    {
                        try
                        {
                            await target.ConnectAsync(IPAddress.Loopback, targetPort, token);
                            var a = client.GetStream(); var b = target.GetStream();
                            await Task.WhenAny(a.CopyToAsync(b, token), b.CopyToAsync(a, token));
                        }
                        catch { /* cut or ended */ }
                    }
                });
            }
        });
    }

    public void Cut() { _down = true; var old = _connections; _connections = new(); old.Cancel(); }
    public void Restore() => _down = false;
    public void Dispose() { _stop.Cancel(); _listener.Stop(); _connections.Cancel(); }
    public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
}
