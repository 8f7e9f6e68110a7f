using Jobmon.Hostlists;
using Jobmon.Influx;

namespace Jobmon.Demo;

/// <summary>One-line descriptions of job starts and ends for the console.</summary>
public static class Describe
{
    public static string Start(Job j) =>
        $"start  job {j.Id}  {j.User.Name,-5}  {j.Partition,-11}  {Hostlist.Compress(j.Nodes.Select(n => n.Name)),-16}  " +
        $"{j.Profile.Label(),-13}  {j.Name} (runs {Duration(j.Planned)})";

    public static string End(Job j) =>
        $"end    job {j.Id}  {j.User.Name,-5}  {j.Partition,-11}  {Hostlist.Compress(j.Nodes.Select(n => n.Name)),-16}  " +
        $"{Exit(j.ExitCode),-13}  after {Duration(j.Planned)}";

    /// <summary>SLURM wait status: high byte = exit code, low 7 bits = terminating signal.</summary>
    public static string Exit(int status) => (status & 0x7f) != 0
        ? $"signal {status & 0x7f}{(status == 9 ? " (KILL)" : "")}"
        : status == 0 ? "completed" : $"exit {status >> 8}";

    public static string Duration(TimeSpan d) =>
        d.TotalHours >= 1 ? $"{(int)d.TotalHours}h{d.Minutes:00}m" : d.TotalMinutes >= 1 ? $"{(int)d.TotalMinutes}m{d.Seconds:00}s" : $"{d.Seconds}s";
}
