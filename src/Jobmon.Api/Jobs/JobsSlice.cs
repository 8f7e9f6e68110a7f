using JasperFx.Events.Projections;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Querying;
using Jobmon.Jobs.Tagging;
using Jobmon.Jobs.Writing;
using Marten;
using Marten.Schema;
using Weasel.Postgresql.Tables;

namespace Jobmon.Jobs;

/// <summary>The Jobs slice's registration: the job view (inline snapshot, its columns and indexes), the job writer,
/// the ingestion validators and the free-text index.</summary>
public static class JobsSlice
{
    public static StoreOptions ConfigureJobs(this StoreOptions opts)
    {
        opts.Listeners.Add(new JobStreamGuard()); // job events only through the job-stream writer
        // Rebuilds: large event pages and accumulated flushes (tiny streams, many documents).
        opts.Projections.Snapshot<JobView>(SnapshotLifecycle.Inline, asyncConfiguration: o =>
        {
            o.BatchSize = 10_000;
            o.RebuildFlushThreshold = 20_000;
        });
        return opts;
    }

    /// <summary>Columns for filtering and sorting, with composite indexes for the usual paths: "X's jobs, newest
    /// first" and time windows (window_start/window_end are never null, so overlap tests can use them).</summary>
    public static StoreOptions ConfigureJobViewSchema(this StoreOptions opts)
    {
        var jobs = opts.Schema.For<JobView>();
        // Nullable columns so a schema upgrade can add them to existing rows; a rebuild fills them.
        jobs.Duplicate(x => x.WindowStart);
        jobs.Duplicate(x => x.WindowEnd);
        // One running job per SLURM identity. Partial: a finished job's key is null, so a stop adds no entry here.
        jobs.Index(x => x.RunningKey!, i =>
        {
            i.Name = "mt_doc_jobview_uidx_running_key";
            i.IsUnique = true;
            i.Predicate = "running_key is not null";
        });
        // GIN indexes with a 64 kB pending list (SmallPendingList): the default 4 MB list held thousands of unmerged
        // entries that every search scanned (405 ms at 1M jobs); no list made every stop rewrite posting lists, 64 %
        // of ingestion's WAL. ARCHITECTURE.md, "GIN indexes with a small pending list".
        jobs.Index(x => x.TagNames, i =>
        {
            i.Method = IndexMethod.gin;
            i.Name = "mt_doc_jobview_idx_tag_names";
            SmallPendingList(i);
        });
        // The node filter (node=, and q= matching a host name): "any of these names in the job's node array".
        jobs.Index(x => x.Nodes, i =>
        {
            i.Method = IndexMethod.gin;
            i.Name = "mt_doc_jobview_idx_nodes";
            SmallPendingList(i);
        });
        // Sorting by name and by GPUs (JSON fields, not columns): expressions exactly as Marten's LINQ orders by them,
        // then the list's tie-breaker window_start (Jobs/Querying/JobListQuery.cs, Order).
        jobs.Index([x => x.JobName, x => x.WindowStart], i => i.Name = "mt_doc_jobview_idx_job_name_window_start");
        jobs.Index([x => x.TotalGpus, x => x.WindowStart],
            i => i.Name = "mt_doc_jobview_idx_total_gpus_window_start");
        opts.Policies.ForAllDocuments(mapping =>
        {
            if (mapping.DocumentType != typeof(JobView)) return;
            // Columns without a single-column index of their own: the composite indexes below lead with them, and
            // every index costs each ingestion and rebuild write (Marten's Duplicate() always adds one).
            mapping.DuplicateField(nameof(JobView.Cluster));
            mapping.DuplicateField(nameof(JobView.SlurmId));
            mapping.DuplicateField(nameof(JobView.User));
            mapping.DuplicateField(nameof(JobView.Group));
            mapping.DuplicateField(nameof(JobView.Account));
            mapping.DuplicateField(nameof(JobView.State), pgType: "varchar");
            mapping.DuplicateField(nameof(JobView.RunningKey)); // only the unique index above
            mapping.DuplicateField(nameof(JobView.Partition));
            mapping.DuplicateField(nameof(JobView.StopTime));
            mapping.DuplicateField(nameof(JobView.DurationSeconds));
            mapping.DuplicateField(nameof(JobView.NumNodes));
            // Ours (SearchTextIndex): Marten must not drop it.
            mapping.IgnoredIndexes.Add(SearchTextIndex.Name);
            // Every sortable column leads an index whose next column is the list's tie-breaker window_start (the
            // order is "column, window_start, id"; the id only breaks ties of equal start times, an incremental sort
            // of a handful of rows): sorting all jobs by any of them reads the first page from the index.
            foreach (var columns in new[]
                     {
                         new[] { "cluster", "window_start" }, ["user", "window_start"], ["account", "window_start"],
                         ["group", "window_start"], ["cluster", "partition", "window_start"],
                         ["cluster", "partition", "state", "window_start"], ["state", "window_start"],
                         ["slurm_id", "cluster"], ["partition", "window_start"], ["stop_time", "window_start"],
                         ["duration_seconds", "window_start"], ["num_nodes", "window_start"],
                     })
                mapping.AddIndex(columns);
        });
        return opts;
    }

    private static void SmallPendingList(IndexDefinition index)
    {
        index.StorageParameters["fastupdate"] = "on";
        index.StorageParameters["gin_pending_list_limit"] = GinPendingListLimitKb.ToString();
    }

    /// <summary>kB of unmerged GIN entries before an insert merges them (PostgreSQL's default: 4,096).</summary>
    public const int GinPendingListLimitKb = 64;

    /// <summary>After AddJobmonMarten: hosted services start in registration order, and the index needs the job view
    /// table that Marten's schema start-up creates.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddHostedService<SearchTextIndex>();
        JobWritingSetup.AddJobStreamWriter(services);
        // Validators are immutable once built; building FluentValidation rules per request is costly.
        services.AddSingleton<StartJobValidator>();
        services.AddSingleton<StopJobValidator>();
        return services;
    }

    /// <summary>The job endpoints: ingestion (Jobmon's and ClusterCockpit's), the list and detail, tags and metadata
    /// corrections, the SLURM-id lookup.</summary>
    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        app.MapJobIngestion();
        app.MapClusterCockpitIngestion();
        app.MapClusterCockpitJobList();
        app.MapJobQueries();
        app.MapJobCommands();
        app.MapTagSuggestions();
        app.MapTagCounts();
        app.MapSlurmIdLookup();
        return app;
    }
}
