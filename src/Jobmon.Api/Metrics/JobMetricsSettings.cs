namespace Jobmon.Metrics;

/// <summary>Jobmon:JobMetrics:* — views of big jobs, the job-end archive, running jobs' statistics and
/// findings.</summary>
public sealed class JobMetricsSettings
{
    /// <summary>Running jobs with more nodes than this get a min/median/max band with the outlier nodes named instead
    /// of
    /// one line per node (unless the viewer asks for ?perNode=true).</summary>
    public int BandAboveNodes { get; set; } = 8;
    /// <summary>Jobs (running or not) with more nodes than this are served as bands computed by InfluxDB, never as
    /// per-node series (a 150,000-node job's lines would be gigabytes); their raw CSV needs ?node=.</summary>
    public int HugeAboveNodes { get; set; } = 2000;
    /// <summary>Scopes whose per-device series the job-end archive keeps (few devices per node; hwthreads are left to
    /// InfluxDB).</summary>
    public MetricScope[] ArchiveDeviceScopes { get; set; } =
        [MetricScope.Socket, MetricScope.Accelerator, MetricScope.MemoryDomain];
    /// <summary>How often running jobs' statistics (footprint) and findings are refreshed; zero switches it
    /// off.</summary>
    public TimeSpan RunningStatisticsInterval { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Running jobs younger than this get no statistics yet (too little data to judge).</summary>
    public TimeSpan RunningStatisticsMinAge { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>E-mail a finding raised while a job runs to the admins (Jobmon:Email:Receiver). Off by
    /// default.</summary>
    public bool MailFindingsToAdmins { get; set; }
    /// <summary>E-mail it to the job's owner at this address, "{user}" standing for the user name (e.g.
    /// "{user}@hpc.example.org"). Empty (the default): owners get no mail.</summary>
    public string? OwnerMailAddress { get; set; }

    /// <summary>Jobmon:ClassificationRules (not under JobMetrics, as before); the defaults when none are
    /// configured.</summary>
    public ClassificationRule[] ClassificationRules { get; set; } = ClassificationRule.Defaults;

    /// <summary>The Metrics slice's own settings, bound and checked by it (Program.cs loads them with the
    /// rest).</summary>
    public static JobMetricsSettings Load(IConfiguration configuration)
    {
        var settings = configuration.GetSection("Jobmon:JobMetrics").Get<JobMetricsSettings>() ?? new();
        if (configuration.GetSection("Jobmon:ClassificationRules").Get<ClassificationRule[]>() is { Length: > 0 } rules)
            settings.ClassificationRules = rules;
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (HugeAboveNodes < 1)
            throw new InvalidOperationException("Jobmon:JobMetrics:HugeAboveNodes must be at least 1.");
        if (BandAboveNodes < 1)
            throw new InvalidOperationException("Jobmon:JobMetrics:BandAboveNodes must be at least 1.");
        if (RunningStatisticsInterval < TimeSpan.Zero)
            throw new InvalidOperationException("Jobmon:JobMetrics:RunningStatisticsInterval must not be negative.");
        if (OwnerMailAddress is { Length: > 0 } a && !a.Contains("{user}"))
            throw new InvalidOperationException("Jobmon:JobMetrics:OwnerMailAddress must contain {user}.");
    }
}
