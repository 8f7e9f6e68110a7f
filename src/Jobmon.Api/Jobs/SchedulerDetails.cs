namespace Jobmon.Jobs;


/// <summary>What a ClusterCockpit client (cc-slurm-adapter, cc-lib's schema.Job) reports beyond Jobmon's own start
/// fields, kept as sent so the job page can show it and the ClusterCockpit-compatible list can give it back.</summary>
public sealed record SchedulerDetails(
    long? WalltimeSeconds,
    DateTimeOffset? SubmitTime,
    string? SubCluster,
    string? Shared,
    int? Smt,
    int? NumAcc,
    int? NumHwthreads,
    long? ArrayJobId,
    long? RequestedMemoryMb,
    int? MonitoringStatus,
    Dictionary<string, string> MetaData,
    SchedulerResource[] Resources);
