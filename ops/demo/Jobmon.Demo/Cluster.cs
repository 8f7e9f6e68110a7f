namespace Jobmon.Demo;

/// <summary>What a job does with its nodes; drives the node metrics.</summary>
public enum Profile
{
    /// <summary>Dense linear algebra / MD: full cores, high FLOP rate, moderate memory bandwidth.</summary>
    ComputeBound,

    /// <summary>Stencil / CFD: full cores, memory bandwidth near peak, low FLOP rate.</summary>
    MemoryBound,

    /// <summary>Allocated but (almost) unused: interactive session left open, waiting for input.</summary>
    Idle,

    /// <summary>Deep-learning training: all GPUs busy, a few CPU cores feeding them.</summary>
    GpuTraining,

    /// <summary>Asked for 4 GPUs, uses one now and then.</summary>
    GpuIdle,
}

public static class Profiles
{
    public static string Label(this Profile p) => p switch
    {
        Profile.ComputeBound => "compute-bound",
        Profile.MemoryBound => "memory-bound",
        Profile.Idle => "idle",
        Profile.GpuTraining => "gpu-training",
        Profile.GpuIdle => "gpu-idle",
        _ => p.ToString(),
    };

    public static readonly IReadOnlyDictionary<Profile, string[]> JobNames = new Dictionary<Profile, string[]>
    {
        [Profile.ComputeBound] = ["lammps_md", "gromacs_bench", "cp2k_relax", "dgemm_scaling", "nbody_sim", "qe_scf"],
        [Profile.MemoryBound] = ["openfoam_cfd", "wrf_forecast", "stream_triad", "lbm_channel", "hpcg_run", "icon_atm"],
        [Profile.Idle] = ["interactive", "jupyter", "sleep_debug", "vnc_session", "matlab_gui"],
        [Profile.GpuTraining] = ["train_resnet50", "llm_finetune", "pytorch_ddp", "unet_segment", "bert_pretrain"],
        [Profile.GpuIdle] = ["cuda_debug", "tf_notebook", "gpu_interactive", "nsight_profile"],
    };
}

/// <summary>A user with a POSIX identity, an account and habits (which profiles they tend to run).</summary>
public sealed record User(string Name, int Uid, string Group, int Gid, string[] Accounts, double CpuWeight, double GpuWeight,
    IReadOnlyDictionary<Profile, double> Habits);

public sealed class Node(string name, int index, bool hasGpus, string partition, Random random)
{
    public const int Sockets = 2;
    public const int CoresPerSocket = 16;
    public const int Gpus = 4;

    public string Name { get; } = name;
    public int Index { get; } = index;
    public bool HasGpus { get; } = hasGpus;
    public string Partition { get; } = partition;
    public Random Random { get; } = random;
    public double MemoryGb => HasGpus ? 512 : 256;

    public Job? Job { get; set; }

    /// <summary>This node's share of its job's work (load imbalance between the nodes of a multi-node job).</summary>
    public double JobFactor { get; set; } = 1;

    /// <summary>AR(1) noise state per series, so values wander smoothly instead of jumping each interval.</summary>
    public Dictionary<string, double> Noise { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Where this node's collector ticks within an interval, in nanoseconds: cc-metric-collector's ticker
    /// (pkg/multiChanTicker, a Go time.Ticker) starts when the daemon starts, so every node has its own phase.
    /// </summary>
    public long PhaseNs { get; set; } = -1;

    /// <summary>Smoothed values (load averages) and the previous sample of each counter, by name.</summary>
    public Dictionary<string, double> State { get; } = new(StringComparer.Ordinal);

    /// <summary>Time of this node's previous netstat/ibstat read (ns); 0 before the first (no rates yet, as the collector).</summary>
    public long LastCounterReadNs { get; set; }
}

public sealed class Job
{
    /// <summary>SLURM job id; provisional until <see cref="Scheduler.FixIds"/> (before anything is sent).</summary>
    public required long Id { get; set; }
    public required User User { get; init; }
    public required string Account { get; init; }
    public required string Name { get; init; }
    public required string Partition { get; init; }
    public required Profile Profile { get; init; }
    public required int NumNodes { get; init; }
    public required int TasksPerNode { get; init; }
    public required int GpusPerNode { get; init; }
    public required TimeSpan Planned { get; init; }

    /// <summary>How hard this particular run pushes the hardware (0.65-1.0).</summary>
    public required double Intensity { get; init; }

    /// <summary>Share of the node memory the job uses once it is warmed up.</summary>
    public required double MemFraction { get; init; }

    /// <summary>Ticks between short phases of low activity (checkpoint I/O, MPI barriers), per job.</summary>
    public required int PhasePeriod { get; init; }

    public Node[] Nodes { get; set; } = [];
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End => Start + Planned;
    public int ExitCode { get; set; }
    public DateTimeOffset Submitted { get; init; }
}

public enum JobEventKind { Started, Ended }

public sealed record JobEvent(JobEventKind Kind, Job Job, DateTimeOffset Time);
