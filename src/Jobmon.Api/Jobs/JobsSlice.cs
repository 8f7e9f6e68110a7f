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
        jobs.Duplicate(x => x.Partition);
        jobs.Duplicate(x => x.StopTime);
        jobs.Duplicate(x => x.DurationSeconds);
        jobs.Duplicate(x => x.NumNodes);
        jobs.UniqueIndex(UniqueIndexType.DuplicatedField, "mt_doc_jobview_uidx_running_key", x => x.RunningKey!);
        jobs.Index(x => x.TagNames, i => { i.Method = IndexMethod.gin; i.Name = "mt_doc_jobview_idx_tag_names"; });
        // The node filter (node=, and q= matching a host name): "any of these names in the job's node array".
        jobs.Index(x => x.Nodes, i => { i.Method = IndexMethod.gin; i.Name = "mt_doc_jobview_idx_nodes"; });
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
            // Ours (SearchTextIndex): Marten must not drop it.
            mapping.IgnoredIndexes.Add(SearchTextIndex.Name);
            foreach (var columns in new[]
                     {
                         new[] { "cluster", "window_start" }, ["user", "window_start"], ["account", "window_start"],
                         ["group", "window_start"], ["cluster", "partition", "window_start"],
                         ["cluster", "partition", "state", "window_start"], ["state", "window_start"],
                         ["slurm_id", "cluster"],
                     })
                mapping.AddIndex(columns);
        });
        return opts;
    }

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
