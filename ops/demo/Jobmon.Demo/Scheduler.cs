namespace Jobmon.Demo;

/// <summary>
/// A tiny SLURM: per partition, jobs arrive at random (Poisson) times sized so the partition is about 80 % busy, wait in a
/// short queue when no nodes are free, run on the lowest-numbered free nodes and end at their planned time.
/// Everything is driven by <see cref="Advance"/>, so the same code plays the backfilled past and the live present.
/// </summary>
public sealed class Scheduler
{
    public const string CpuPartition = "cpuonly";
    public const string GpuPartition = "accelerated";
    private const int MaxPending = 3;
    private const double TargetUtilisation = 0.8;
    private static readonly TimeSpan MinDuration = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(60);

    private static readonly User[] Users =
    [
        new("alice", 1001, "physics", 2001, ["phys-md", "phys-qcd"], CpuWeight: 0.35, GpuWeight: 0.15,
            Habits(compute: 0.6, memory: 0.3, idle: 0.1, train: 0.7, gpuIdle: 0.3)),
        new("bob", 1002, "chemistry", 2002, ["chem-qm"], CpuWeight: 0.3, GpuWeight: 0.1,
            Habits(compute: 0.45, memory: 0.45, idle: 0.1, train: 0.5, gpuIdle: 0.5)),
        new("carol", 1003, "informatics", 2003, ["ml-vision", "ml-nlp"], CpuWeight: 0.1, GpuWeight: 0.55,
            Habits(compute: 0.4, memory: 0.2, idle: 0.4, train: 0.85, gpuIdle: 0.15)),
        new("dave", 1004, "climate", 2004, ["clim-esm"], CpuWeight: 0.25, GpuWeight: 0.2,
            Habits(compute: 0.2, memory: 0.45, idle: 0.35, train: 0.2, gpuIdle: 0.8)),
    ];

    private readonly Random _rng;
    private readonly double _speed;
    private readonly TimeSpan _shortest;
    private readonly List<PartitionState> _partitions = [];
    private readonly List<Job> _running = [];
    private readonly List<Job> _provisional = [];
    private long _nextId;
    private bool _idsFixed;

    public Scheduler(string cluster, int nodeCount, double speed, TimeSpan interval, Random rng, DateTimeOffset start)
    {
        _rng = rng;
        _speed = speed;
        // Every job gets at least a few data points, however high the speed.
        _shortest = interval * 3;
        var gpuNodes = nodeCount >= 4 ? nodeCount / 4 : 0;
        var width = Math.Max(3, nodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        var nodes = new List<Node>();
        for (var i = 1; i <= nodeCount; i++)
        {
            var gpu = i > nodeCount - gpuNodes;
            nodes.Add(new Node($"{cluster}{i.ToString(new string('0', width), System.Globalization.CultureInfo.InvariantCulture)}", i, gpu,
                gpu ? GpuPartition : CpuPartition, new Random(rng.Next())));
        }

        Nodes = nodes;
        foreach (var name in new[] { CpuPartition, GpuPartition })
        {
            var members = nodes.Where(n => n.Partition == name).ToArray();
            if (members.Length > 0) _partitions.Add(new PartitionState(name, members));
        }

        foreach (var p in _partitions)
        {
            // Mean gap between arrivals so that arrivals × duration × nodes ≈ target × partition size.
            var meanNodes = NodeWeights(p).Select((w, i) => w * Math.Min(i + 1, p.Nodes.Length)).Sum() / NodeWeights(p).Sum();
            p.MeanGapSeconds = MeanDuration().TotalSeconds * meanNodes / (TargetUtilisation * p.Nodes.Length);
            p.NextArrival = start + Gap(p);
        }

        Prime(start);
    }

    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>
    /// Turns the provisional ids of the jobs submitted so far (the backfill) into the ids just below
    /// <paramref name="firstLiveId"/>; later jobs count up from it. Call once, before any job is sent.
    /// </summary>
    public void FixIds(long firstLiveId)
    {
        if (_idsFixed) throw new InvalidOperationException("Job ids are fixed already.");
        var offset = firstLiveId - (_nextId + 1);
        foreach (var job in _provisional) job.Id += offset;
        _nextId += offset;
        _provisional.Clear();
        _idsFixed = true;
    }

    public IReadOnlyCollection<Job> Running => _running;

    public int Pending => _partitions.Sum(p => p.Pending.Count);

    public DateTimeOffset Now { get; private set; }

    /// <summary>Plays everything that happens up to <paramref name="to"/>, in time order; returns the starts and ends.</summary>
    public List<JobEvent> Advance(DateTimeOffset to)
    {
        var events = new List<JobEvent>();
        while (true)
        {
            var ending = _running.Count == 0 ? null : _running.MinBy(j => j.End);
            var arriving = _partitions.MinBy(p => p.NextArrival);
            var endTime = ending?.End ?? DateTimeOffset.MaxValue;
            var arrivalTime = arriving?.NextArrival ?? DateTimeOffset.MaxValue;
            var t = endTime <= arrivalTime ? endTime : arrivalTime;
            if (t > to) break;

            if (ending is not null && endTime <= arrivalTime)
            {
                Finish(ending);
                events.Add(new JobEvent(JobEventKind.Ended, ending, ending.End));
                StartPending(_partitions.First(p => p.Name == ending.Partition), t, events);
            }
            else if (arriving is not null)
            {
                if (arriving.Pending.Count < MaxPending) arriving.Pending.Add(NewJob(arriving, t));
                arriving.NextArrival = t + Gap(arriving);
                StartPending(arriving, t, events);
            }
        }

        Now = to;
        return events;
    }

    /// <summary>The cluster does not start empty: fill about two thirds of every partition at once.</summary>
    private void Prime(DateTimeOffset start)
    {
        foreach (var p in _partitions)
        {
            for (var attempt = 0; attempt < 20 && p.Nodes.Count(n => n.Job is null) > p.Nodes.Length / 3; attempt++)
            {
                var job = NewJob(p, start);
                var free = p.Nodes.Where(n => n.Job is null).ToArray();
                if (job.NumNodes <= free.Length) Launch(job, free, start);
            }
        }

        Now = start;
    }

    /// <summary>The jobs started by <see cref="Prime"/>; reported by the caller as started at the simulation start.</summary>
    public IEnumerable<JobEvent> PrimedStarts() => _running.Select(j => new JobEvent(JobEventKind.Started, j, j.Start)).ToList();

    private void StartPending(PartitionState p, DateTimeOffset t, List<JobEvent> events)
    {
        // FIFO with backfill: a later, smaller job may start while the head waits for nodes.
        foreach (var job in p.Pending.ToList())
        {
            var free = p.Nodes.Where(n => n.Job is null).ToArray();
            if (free.Length == 0) break;
            if (job.NumNodes > free.Length) continue;
            p.Pending.Remove(job);
            Launch(job, free, t);
            events.Add(new JobEvent(JobEventKind.Started, job, t));
        }
    }

    private void Launch(Job job, Node[] free, DateTimeOffset t)
    {
        // Usually the lowest-numbered free nodes (contiguous host lists), sometimes scattered.
        var chosen = _rng.NextDouble() < 0.75
            ? free.Take(job.NumNodes).ToArray()
            : free.OrderBy(_ => _rng.Next()).Take(job.NumNodes).OrderBy(n => n.Index).ToArray();
        job.Nodes = chosen;
        job.Start = t;
        foreach (var n in chosen)
        {
            n.Job = job;
            // Load imbalance: most nodes near 1, now and then one straggler.
            n.JobFactor = _rng.NextDouble() < 0.15 && chosen.Length > 1 ? 0.55 + 0.25 * _rng.NextDouble() : 0.92 + 0.1 * _rng.NextDouble();
        }

        _running.Add(job);
    }

    private void Finish(Job job)
    {
        _running.Remove(job);
        foreach (var n in job.Nodes)
        {
            if (ReferenceEquals(n.Job, job)) n.Job = null;
        }

        // SLURM reports the wait status: 0, exit(1) = 256, killed by SIGKILL = 9 (scancel, OOM, node failure).
        var r = _rng.NextDouble();
        job.ExitCode = job.Profile is Profile.Idle or Profile.GpuIdle
            ? r < 0.62 ? 0 : r < 0.8 ? 256 : 9
            : r < 0.86 ? 0 : r < 0.96 ? 256 : 9;
    }

    private Job NewJob(PartitionState p, DateTimeOffset submitted)
    {
        var gpu = p.Name == GpuPartition;
        var user = Pick(Users, u => gpu ? u.GpuWeight : u.CpuWeight);
        var choices = gpu ? new[] { Profile.GpuTraining, Profile.GpuIdle, Profile.Idle } : [Profile.ComputeBound, Profile.MemoryBound, Profile.Idle];
        var profile = Pick(choices, c => user.Habits[c] * (gpu && c == Profile.Idle ? 0.15 : 1));
        var weights = NodeWeights(p);
        var numNodes = Math.Min(Pick(Enumerable.Range(1, weights.Length).ToArray(), n => weights[n - 1]), p.Nodes.Length);
        var names = Profiles.JobNames[profile];
        var tasksPerNode = profile switch
        {
            Profile.GpuTraining => Node.Gpus,
            Profile.GpuIdle or Profile.Idle => 1,
            _ => _rng.NextDouble() < 0.7 ? Node.Sockets * Node.CoresPerSocket : Node.Sockets * 4,
        };
        // Durations log-uniform in 5-60 min (more short jobs than long ones), scaled by the speed.
        var minutes = MinDuration.TotalMinutes * Math.Exp(_rng.NextDouble() * Math.Log(MaxDuration.TotalMinutes / MinDuration.TotalMinutes));
        var planned = TimeSpan.FromSeconds(Math.Round(minutes * 60 / _speed));
        if (planned < _shortest) planned = _shortest;
        var job = new Job
        {
            Id = _nextId += _rng.NextDouble() < 0.8 ? 1 : _rng.Next(2, 5), // other clusters' ids, array jobs …
            User = user,
            Account = user.Accounts[_rng.Next(user.Accounts.Length)],
            Name = names[_rng.Next(names.Length)],
            Partition = p.Name,
            Profile = profile,
            NumNodes = numNodes,
            TasksPerNode = tasksPerNode,
            GpusPerNode = gpu ? Node.Gpus : 0,
            Planned = planned,
            Intensity = 0.65 + 0.35 * _rng.NextDouble(),
            PhasePeriod = _rng.Next(12, 40),
            MemFraction = profile switch
            {
                Profile.ComputeBound => 0.15 + 0.3 * _rng.NextDouble(),
                Profile.MemoryBound => 0.5 + 0.35 * _rng.NextDouble(),
                Profile.GpuTraining => 0.25 + 0.35 * _rng.NextDouble(),
                Profile.GpuIdle => 0.04 + 0.1 * _rng.NextDouble(),
                _ => 0.01 + 0.04 * _rng.NextDouble(),
            },
            Submitted = submitted,
        };
        if (!_idsFixed) _provisional.Add(job);
        return job;
    }

    private static double[] NodeWeights(PartitionState p) =>
        p.Name == GpuPartition ? [0.55, 0.3, 0.05, 0.1] : [0.4, 0.3, 0.1, 0.2];

    private TimeSpan MeanDuration()
    {
        // Mean of the log-uniform distribution: (max - min) / ln(max / min).
        var mean = (MaxDuration - MinDuration).TotalSeconds / Math.Log(MaxDuration / MinDuration) / _speed;
        return TimeSpan.FromSeconds(Math.Max(mean, _shortest.TotalSeconds));
    }

    /// <summary>Exponential gap, rounded up to whole seconds (SLURM times are seconds).</summary>
    private TimeSpan Gap(PartitionState p) =>
        TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(-Math.Log(1 - _rng.NextDouble()) * p.MeanGapSeconds)));

    private T Pick<T>(IReadOnlyList<T> items, Func<T, double> weight)
    {
        var total = items.Sum(weight);
        var r = _rng.NextDouble() * total;
        foreach (var item in items)
        {
            r -= weight(item);
            if (r <= 0) return item;
        }

        return items[^1];
    }

    private static IReadOnlyDictionary<Profile, double> Habits(double compute, double memory, double idle, double train, double gpuIdle) =>
        new Dictionary<Profile, double>
        {
            [Profile.ComputeBound] = compute, [Profile.MemoryBound] = memory, [Profile.Idle] = idle,
            [Profile.GpuTraining] = train, [Profile.GpuIdle] = gpuIdle,
        };

    private sealed class PartitionState(string name, Node[] nodes)
    {
        public string Name { get; } = name;
        public Node[] Nodes { get; } = nodes;
        public List<Job> Pending { get; } = [];
        public DateTimeOffset NextArrival { get; set; }
        public double MeanGapSeconds { get; set; }
    }
}
