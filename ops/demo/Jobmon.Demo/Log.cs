namespace Jobmon.Demo;

/// <summary>Short, time-stamped lines: events and information on stdout, problems on stderr.</summary>
public sealed class Log
{
    private readonly Lock _lock = new();

    public void Info(string message) => Write(Console.Out, DateTimeOffset.Now, message);

    public void Warn(string message) => Write(Console.Error, DateTimeOffset.Now, "! " + message);

    public void Event(DateTimeOffset time, string message) => Write(Console.Out, time.ToLocalTime(), message);

    private void Write(TextWriter writer, DateTimeOffset time, string message)
    {
        lock (_lock)
        {
            writer.WriteLine($"{time:HH:mm:ss}  {message}");
            writer.Flush();
        }
    }
}
