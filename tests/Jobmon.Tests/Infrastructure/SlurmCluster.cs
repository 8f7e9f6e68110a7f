using System.Diagnostics;
using System.Text;

namespace Jobmon.Tests.Infrastructure;

/// <summary>
/// A real one-node SLURM 22.05 cluster (Debian's slurmctld, slurmd and munge) in a temp folder: its own munge key and
/// socket, free loopback ports, <c>SlurmUser=slurm</c>, and the shipped <c>ops/slurm/jobmon_slurm</c> installed the way
/// ops/slurm/README.md says (script root:root 755, config root:slurm 640, spool slurm:slurm 700) as
/// PrologSlurmctld/EpilogSlurmctld. Runs as root (the daemons need it); stops every process it started.
/// <para>Choices for a sandbox without systemd or cgroups: <c>ProctrackType=proctrack/linuxproc</c>,
/// <c>TaskPlugin=task/none</c>, no accounting (so SLURM itself says <c>Account=(null)</c>),
/// <c>SlurmdParameters=config_overrides</c> (8 CPUs on a 2-core machine, so jobs run side by side) and
/// <c>ReturnToService=2</c>. slurmctld gets SLURM_CONF in its environment, not the hook's config: the script finds
/// slurm.conf through its parent, as on a site whose slurm.conf is not at scontrol's built-in path.</para>
/// </summary>
public sealed class SlurmCluster : IAsyncDisposable
{
    public const string ClusterName = "jmslurm";
    public const string Node = "jmnode";
    public string Dir { get; }
    public string SlurmConf => Path.Combine(Dir, "slurm.conf");
    public string HookConf => Path.Combine(Dir, "etc", "jobmon_slurm.conf");
    public string Hook => Path.Combine(Dir, "etc", "jobmon_slurm");
    public string Spool => Path.Combine(Dir, "spool");
    private readonly List<string> _pidFiles = [];

    private SlurmCluster(string dir) => Dir = dir;

    public static string ShippedScript => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../ops/slurm/jobmon_slurm"));

    /// <param name="hookConfig">The hook's jobmon_slurm.conf, given the spool folder.</param>
    public static async Task<SlurmCluster> StartAsync(Func<string, string> hookConfig)
    {
        if (Environment.UserName != "root")
            throw new InvalidOperationException("the real-SLURM tests start slurmctld/slurmd/munged and must run as root (as ops/test and .ci/run do)");
        var cluster = new SlurmCluster(Directory.CreateTempSubdirectory("jobmon-slurm-").FullName);
        try
        {
            await cluster.SetUpAsync(hookConfig);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync(Func<string, string> hookConfig)
    {
        var d = Dir;
        File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        // munge: key dir private to munge, socket dir world-searchable (munged checks both).
        await RunAsync("install", $"-d -m 0700 -o munge -g munge {d}/munge-key");
        await RunAsync("install", $"-d -m 0755 -o munge -g munge {d}/munge-run");
        await File.WriteAllBytesAsync($"{d}/munge-key/munge.key", System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024));
        await RunAsync("chown", $"munge:munge {d}/munge-key/munge.key");
        await RunAsync("chmod", $"0400 {d}/munge-key/munge.key");
        _pidFiles.Add($"{d}/munge-run/munged.pid");
        await RunAsync("runuser", $"-u munge -- munged --key-file={d}/munge-key/munge.key --socket={d}/munge-run/munge.socket " +
            $"--pid-file={d}/munge-run/munged.pid --log-file={d}/munge-key/munged.log --seed-file={d}/munge-key/munged.seed");

        // The hook, installed as ops/slurm/README.md says (there into /etc/slurm, here into the temp folder).
        Directory.CreateDirectory($"{d}/etc");
        File.SetUnixFileMode($"{d}/etc", (UnixFileMode)0b111_101_101);
        await RunAsync("install", $"-m 0755 -o root -g root {ShippedScript} {Hook}");
        await RunAsync("install", $"-m 0640 -o root -g slurm /dev/null {HookConf}");
        await File.WriteAllTextAsync(HookConf, hookConfig(Spool));
        await RunAsync("install", $"-d -m 0700 -o slurm -g slurm {Spool}");

        await RunAsync("install", $"-d -m 0755 -o slurm -g slurm {d}/state {d}/log");
        Directory.CreateDirectory($"{d}/slurmd");
        int ctldPort = PostgresServer.FreePort(), slurmdPort = PostgresServer.FreePort();
        await File.WriteAllTextAsync(SlurmConf, $"""
            ClusterName={ClusterName}
            SlurmctldHost=localhost(127.0.0.1)
            SlurmUser=slurm
            SlurmdUser=root
            SlurmctldPort={ctldPort}
            SlurmdPort={slurmdPort}
            AuthType=auth/munge
            AuthInfo=socket={d}/munge-run/munge.socket
            CredType=cred/munge
            StateSaveLocation={d}/state
            SlurmdSpoolDir={d}/slurmd
            SlurmctldPidFile={d}/state/slurmctld.pid
            SlurmdPidFile={d}/slurmd/slurmd.pid
            SlurmctldLogFile={d}/log/slurmctld.log
            SlurmdLogFile={d}/slurmd/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            JobCompType=jobcomp/none
            MpiDefault=none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            SlurmdParameters=config_overrides
            ReturnToService=2
            KillWait=2
            MinJobAge=600
            InactiveLimit=0
            SlurmctldDebug=info
            SlurmdDebug=info
            PrologSlurmctld={Hook}
            EpilogSlurmctld={Hook}
            NodeName={Node} NodeHostname={Environment.MachineName} NodeAddr=127.0.0.1 CPUs=8 RealMemory=1000 State=UNKNOWN
            PartitionName=main Nodes={Node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
            PartitionName=second Nodes={Node} MaxTime=INFINITE State=UP OverSubscribe=FORCE:8

            """.Replace("\r", ""));
        _pidFiles.Add($"{d}/state/slurmctld.pid");
        _pidFiles.Add($"{d}/slurmd/slurmd.pid");
        await RunAsync("slurmctld", $"-f {SlurmConf}");
        await RunAsync("slurmd", $"-f {SlurmConf} -N {Node}");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (_, state) = await TryRunAsync("sinfo", "-h", "-n", Node, "-o", "%T");
            if (state.Trim() == "idle") break;
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"node {Node} not idle after 60 s (sinfo: {state}); slurmctld log:\n{Tail($"{d}/log/slurmctld.log")}\nslurmd log:\n{Tail($"{d}/slurmd/slurmd.log")}");
            await Task.Delay(500);
        }
    }

    /// <summary>sbatch --parsable ARGS: the job id.</summary>
    public async Task<long> SubmitAsync(params string[] args)
    {
        var (exit, output) = await TryRunAsync("sbatch", ["--parsable", "-o", "/dev/null", "-e", "/dev/null", "--chdir=/tmp", .. args]);
        if (exit != 0) throw new InvalidOperationException($"sbatch {string.Join(' ', args)} exited {exit}: {output}");
        return long.Parse(output.Split(';')[0].Trim());
    }

    /// <summary>SLURM's own record of a job, parsed from <c>scontrol --oneliner show job</c>.</summary>
    public async Task<Dictionary<string, string>?> ShowJobAsync(long id)
    {
        var (exit, output) = await TryRunAsync("scontrol", "--oneliner", "show", $"job={id}");
        if (exit != 0 || !output.StartsWith("JobId=")) return null;
        return ParseRecord(output);
    }

    /// <summary>Every job slurmctld still knows (MinJobAge keeps finished ones), by job id.</summary>
    public async Task<Dictionary<long, Dictionary<string, string>>> AllJobsAsync()
    {
        var (_, output) = await TryRunAsync("scontrol", "--oneliner", "show", "job");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("JobId="))
            .Select(ParseRecord).ToDictionary(r => long.Parse(r["JobId"]));
    }

    /// <summary>KEY=VALUE tokens; values never hold spaces here (test job names have none), except Reason/Command, unused.</summary>
    private static Dictionary<string, string> ParseRecord(string line)
    {
        var record = new Dictionary<string, string>();
        foreach (var token in line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            if (eq > 0) record.TryAdd(token[..eq], token[(eq + 1)..]);
        }
        return record;
    }

    /// <summary>FILE ARGS (split on spaces: these arguments hold none); throws unless it exits 0.</summary>
    public async Task<string> RunAsync(string file, string args)
    {
        var (exit, output) = await TryRunAsync(file, args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (exit != 0) throw new InvalidOperationException($"{file} {args} exited {exit}: {output}");
        return output;
    }

    public Task<(int Exit, string Output)> TryRunAsync(string file, params string[] args) => TryRunAsync(file, args, null);

    public async Task<(int Exit, string Output)> TryRunAsync(string file, string[] args, IDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = SlurmConf;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        // Daemons fork and keep the pipes open: read only until the foreground process has exited.
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        await Task.Delay(20);
        lock (output) return (p.ExitCode, output.ToString());
    }

    private static string Tail(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "(no log)";

    public string SlurmctldLog => Tail(Path.Combine(Dir, "log", "slurmctld.log"));

    public async ValueTask DisposeAsync()
    {
        await TryRunAsync("scancel", "--full", "--state=PENDING,RUNNING,SUSPENDED", "--user=root");
        await TryRunAsync("scancel", "--full", "--state=PENDING,RUNNING,SUSPENDED", "--user=nobody");
        // Daemons by their pid files (slurmctld, slurmd, munged), then the script's detached workers, found by the
        // temp folder in their command line: only processes this cluster started.
        foreach (var pidFile in _pidFiles.AsEnumerable().Reverse())
            if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var pid))
                await StopAsync(pid);
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string cmdline;
            try { cmdline = (await File.ReadAllTextAsync(Path.Combine(dir, "cmdline"))).Replace('\0', ' '); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (cmdline.Contains(Dir)) await StopAsync(pid);
        }
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>SIGTERM, up to 5 s, then SIGKILL: by pid only.</summary>
    private static async Task StopAsync(int pid)
    {
        foreach (var signal in new[] { "TERM", "KILL" })
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { RedirectStandardError = true })!)
                await kill.WaitForExitAsync();
            for (var i = 0; i < 50 && IsAlive(pid); i++) await Task.Delay(100);
            if (!IsAlive(pid)) return;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            // A zombie has exited; only its parent's wait is missing.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException) { return false; }
    }
}
