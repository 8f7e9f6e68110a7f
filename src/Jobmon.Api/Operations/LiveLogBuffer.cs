using System.Collections.Concurrent;
using System.Threading.Channels;
using Jobmon.Infrastructure;

namespace Jobmon.Operations;

/// <summary>The last log lines in memory, and a fan-out to admins watching the live log (Settings → Logs).</summary>
public sealed class LiveLogBuffer
{
    private const int Capacity = 500;
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private readonly ConcurrentDictionary<Guid, Channel<LogLine>> _watchers = new();

    public IReadOnlyList<LogLine> Recent(int count) => _lines.TakeLast(Math.Clamp(count, 1, Capacity)).ToList();

    public void Add(LogLine line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _)) { }
        foreach (var w in _watchers.Values) w.Writer.TryWrite(line);
    }

    public ChannelReader<LogLine> Watch(out Action stop)
    {
        var id = Guid.NewGuid();
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(1000) { FullMode =
            BoundedChannelFullMode.DropOldest });
        _watchers[id] = channel;
        stop = () => { _watchers.TryRemove(id, out _); channel.Writer.TryComplete(); };
        return channel.Reader;
    }
}
