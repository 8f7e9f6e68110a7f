using System.Diagnostics;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Jobmon.Tests.Infrastructure;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Jobmon.Tests;

/// <summary>Runs the real ops/slurm/jobmon_slurm (bash + curl) against Jobmon listening on a loopback port, with a
/// stand-in scontrol on PATH, for prolog, epilog and the spool path while Jobmon is down.</summary>
public sealed class SlurmScriptTests : IAsyncLifetime
{
    private JobmonApp _app = null!;
    private string _url = "";
    private readonly string _dir = Directory.CreateTempSubdirectory("jobmon-slurm-test-").FullName;

    public async Task InitializeAsync()
    {
        _app = await JobmonApp.StartAsync(kestrelPort: PostgresServer.FreePort());
        _url = _app.KestrelUrl!;
        var scontrol = Path.Combine(_dir, "bin", "scontrol");
        Directory.CreateDirectory(Path.GetDirectoryName(scontrol)!);
        await File.WriteAllTextAsync(scontrol, """
            #!/bin/bash
            # stand-in for SLURM's scontrol
            case "$*" in
              *"show hostnames"*) echo n001; echo n002 ;;
              *"show job"*) echo "JobId=$SLURM_JOB_ID JobName=x UserId=alice(1000) NumNodes=2 NumCPUs=8 NumTasks=8 CPUs/Task=1 ReqB:S:C:T=0:0:*:* NtasksPerN:B:S:C=4:0:*:* GRES=gpu:4(IDX:0-3)" ;;
              *) exit 1 ;;
            esac
            """.Replace("\r", ""));
        File.SetUnixFileMode(scontrol, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Script => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../ops/slurm/jobmon_slurm"));

    private async Task<(int Exit, string Output)> RunAsync(string context, long jobId, string apiUrl, string? jobName = null, int exitCode = 0)
    {
        var psi = new ProcessStartInfo("bash", Script) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["PATH"] = Path.Combine(_dir, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        // In the config file, as installed: the background flusher re-reads it, so a fixed URL applies to the spool.
        await File.WriteAllTextAsync(Path.Combine(_dir, "jobmon_slurm.conf"), $"API_URL=\"{apiUrl}\"\n");
        psi.Environment["X_AUTH_TOKEN"] = "Bearer " + JobmonApp.IngestToken;
        psi.Environment["JOBMON_SPOOL_DIR"] = Path.Combine(_dir, "spool");
        psi.Environment["JOBMON_SLURM_CONF"] = Path.Combine(_dir, "jobmon_slurm.conf");
        psi.Environment["JOBMON_RETRIES"] = "1";
        psi.Environment["JOBMON_BACKOFF"] = "0";
        psi.Environment["JOBMON_TIMEOUT"] = "5";
        psi.Environment["JOBMON_FLUSH_BUDGET"] = "10";
        psi.Environment["JOBMON_BACKOFF_MAX"] = "1";
        // The stand-in scontrol has no JobState: no final-state reader (the real-SLURM tests cover it).
        psi.Environment["JOBMON_FINAL_WAIT"] = "0";
        psi.Environment["SLURM_SCRIPT_CONTEXT"] = context;
        psi.Environment["SLURM_JOB_ID"] = jobId.ToString();
        psi.Environment["SLURM_JOB_USER"] = "alice";
        psi.Environment["SLURM_JOB_UID"] = "1000";
        psi.Environment["SLURM_JOB_GROUP"] = "hpc";
        psi.Environment["SLURM_JOB_GID"] = "100";
        psi.Environment["SLURM_JOB_ACCOUNT"] = "proj1";
        psi.Environment["SLURM_JOB_NAME"] = jobName ?? "sim";
        psi.Environment["SLURM_CLUSTER_NAME"] = "testcluster";
        psi.Environment["SLURM_JOB_PARTITION"] = "accelerated";
        psi.Environment["SLURM_JOB_NODELIST"] = "n[001-002]";
        psi.Environment["SLURM_JOB_EXIT_CODE"] = exitCode.ToString();
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, output);
    }

    private async Task<List<JobListItem>> JobsAsync(long slurmId) =>
        await (await _app.Admin().GetAsync($"/api/v2/clusters/testcluster/jobs/{slurmId}")).ReadAs<List<JobListItem>>();

    /// <summary>Requests waiting: recorded hook runs (.raw) and built requests (.req), counted once each (a .raw
    /// becomes a .req of the same name).</summary>
    private int Spooled() => Directory.Exists(Path.Combine(_dir, "spool"))
        ? Directory.GetFiles(Path.Combine(_dir, "spool"), "*.r??").Where(f => f.EndsWith(".req") || f.EndsWith(".raw"))
            .Select(Path.GetFileNameWithoutExtension).Distinct().Count() : 0;

    [Fact]
    public async Task Prolog_and_epilog_record_the_job_with_an_awkward_name()
    {
        var name = "my \"quoted\" job\\with\ttab and ünïcode";
        var (exit, output) = await RunAsync("prolog_slurmctld", 4242, _url + "/api", jobName: name);
        exit.ShouldBe(0, output);
        // A cold app may need longer than the hook's budget for its first request: then the flusher sends it.
        for (var i = 0; i < 100 && (Spooled() > 0 || (await JobsAsync(4242)).Count == 0); i++) await Task.Delay(100);
        var running = (await JobsAsync(4242)).ShouldHaveSingleItem();
        running.State.ShouldBe(JobState.Running);
        running.Name.ShouldBe(name);
        running.NumNodes.ShouldBe(2);
        running.TotalGpus.ShouldBe(8);
        running.NodeList.ShouldBe("n001|n002");
        running.User.ShouldBe("alice");
        running.Partition.ShouldBe("accelerated");

        (exit, output) = await RunAsync("epilog_slurmctld", 4242, _url + "/api", exitCode: 256);
        exit.ShouldBe(0, output);
        for (var i = 0; i < 100 && Spooled() > 0; i++) await Task.Delay(100);
        var ended = (await JobsAsync(4242)).ShouldHaveSingleItem();
        ended.State.ShouldBe(JobState.Failed);
        ended.ExitCode.ShouldBe(256);
        Spooled().ShouldBe(0);
    }

    [Fact]
    public async Task While_Jobmon_is_down_requests_are_spooled_and_sent_in_order_on_the_next_run()
    {
        var down = $"http://127.0.0.1:{PostgresServer.FreePort()}/api";
        (await RunAsync("prolog_slurmctld", 5001, down)).Exit.ShouldBe(0);
        (await RunAsync("epilog_slurmctld", 5001, down)).Exit.ShouldBe(0);
        Spooled().ShouldBe(2);
        (await JobsAsync(5001)).ShouldBeEmpty();

        // Jobmon is back: the next prolog queues behind the spool and its background flusher sends all three in
        // order (start, then stop of 5001, then start of 5002), without waiting for another job.
        var (exit, output) = await RunAsync("prolog_slurmctld", 5002, _url + "/api");
        exit.ShouldBe(0, output);
        for (var i = 0; i < 100 && Spooled() > 0; i++) await Task.Delay(100);
        Spooled().ShouldBe(0);
        var first = (await JobsAsync(5001)).ShouldHaveSingleItem();
        first.State.ShouldBe(JobState.Completed);
        first.StartKnown.ShouldBeTrue();
        (await JobsAsync(5002)).ShouldHaveSingleItem().State.ShouldBe(JobState.Running);
    }

    [Fact]
    public async Task Misconfiguration_never_fails_the_job()
    {
        var (exit, _) = await RunAsync("prolog_slurmctld", 6001, "");
        exit.ShouldBe(0);
        (exit, _) = await RunAsync("something_else", 6002, _url + "/api");
        exit.ShouldBe(0);
    }
}
