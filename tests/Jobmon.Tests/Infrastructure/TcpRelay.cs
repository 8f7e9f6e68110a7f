using System.Net;
using System.Net.Sockets;

namespace Jobmon.Tests.Infrastructure;

/// <summary>
/// A TCP relay on a loopback port in front of a real server, for outage tests: <see cref="Cut"/> closes the listener
/// and every relayed connection (as a server restart or a network cut does to a pool's connections);
/// <see cref="Restore"/> listens again on the same port.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource _cts = new();
    public int Port { get; }

    public TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        Port = PostgresServer.FreePort();
        Restore();
    }

    public void Restore()
    {
        _cts = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptAsync(_listener, _cts.Token);
    }

    public void Cut()
    {
        _cts.Cancel();
        _listener?.Stop();
        lock (_open)
        {
            foreach (var c in _open) { try { c.Client.LingerState = new LingerOption(true, 0); c.Close(); } catch { /* already gone */ } }
            _open.Clear();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(ct); }
            catch { return; }
            var server = new TcpClient();
            try { await server.ConnectAsync(IPAddress.Loopback, _targetPort, ct); }
            catch { client.Close(); continue; }
            lock (_open) { _open.Add(client); _open.Add(server); }
            _ = PumpAsync(client, server, ct);
            _ = PumpAsync(server, client, ct);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken ct)
    {
        try { await from.GetStream().CopyToAsync(to.GetStream(), ct); }
        catch { /* cut */ }
        try { from.Close(); to.Close(); } catch { /* cut */ }
    }

    public ValueTask DisposeAsync() { Cut(); return ValueTask.CompletedTask; }
}
