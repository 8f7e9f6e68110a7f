using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Jobmon.Jobs;
using Jobmon.Summaries;
using Marten;
using Weasel.Core;
using Weasel.Postgresql.Tables;
using Marten.Schema;
using Wolverine.Marten;

namespace Jobmon.Infrastructure;

public static class MartenSetup
{
    public static IServiceCollection AddJobmonMarten(this IServiceCollection services, JobmonSettings settings)
    {
        services.AddMarten(opts => Configure(opts, settings))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(settings.DaemonMode == "Solo" ? DaemonMode.Solo : DaemonMode.HotCold)
            .IntegrateWithWolverine()
            // Job ends drive the metric statistics/archive/classification: a durable subscription (the daemon tracks
            // its position), handed to Wolverine's durable local queue with retries. Without InfluxDB there is nothing
            // to compute, so no message is queued (the subscription still advances).
            .PublishEventsToWolverine("JobEndMetrics", relay =>
            {
                var withMetrics = settings.InfluxUrl is not null;
                relay.PublishEvent<JobEnded>((e, bus) => withMetrics ? bus.PublishAsync(new Jobmon.Metrics.FinalizeJobMetrics(e.StreamId)) : ValueTask.CompletedTask);
                relay.PublishEvent<JobTimedOut>((e, bus) => withMetrics ? bus.PublishAsync(new Jobmon.Metrics.FinalizeJobMetrics(e.StreamId)) : ValueTask.CompletedTask);
            });
        // After Marten's schema (hosted services start in registration order): the job view table exists.
        services.AddHostedService<Jobmon.Jobs.Querying.SearchTextIndex>();
        return services;
    }

    /// <summary>Npgsql settings Jobmon relies on for throughput, unless the operator's connection string sets them:
    /// no DISCARD ALL when a connection goes back to the pool (it throws away the cached plans of Marten's plpgsql
    /// append function; Jobmon keeps no session state: no session-level SET, temp tables or session locks) and
    /// automatic preparation of the statements a process repeats (the ingestion batch's, Marten's upserts and
    /// lookups). Measured in ARCHITECTURE.md "Ingestion throughput".</summary>
    public static string WithPoolDefaults(string connectionString)
    {
        // The typed builder's ContainsKey answers for every known keyword: look at the keys actually given.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(k => k.Replace(" ", "").ToLowerInvariant()).ToHashSet();
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("noresetonclose")) builder.NoResetOnClose = true;
        if (!given.Contains("maxautoprepare")) builder.MaxAutoPrepare = 64;
        // A backend whose client died (kill -9, a host gone) notices within a second even while it runs a query:
        // the HotCold lease's connection sits in pg_sleep(60), and without this check the dead holder's advisory lock
        // outlived it by up to a minute (measured: summaries level 14–46 s after killing the lease holder).
        if (!(builder.Options ?? "").Contains("client_connection_check_interval"))
            builder.Options = $"{builder.Options} -c client_connection_check_interval=1000".Trim();
        return builder.ConnectionString;
    }

    /// <summary>Connections for ad-hoc filtered queries (the job list): prepared statements there are planned for each
    /// call's values. A cached generic plan for the list's filters picks bitmap ANDs over unselective indexes (measured:
    /// 60 ms instead of 6 ms for "an account's multi-node jobs"); the writing paths keep cached generic plans (the
    /// ingestion batch's statements, Marten's plpgsql append function), which keep them cheap.</summary>
    public static string ForAdHocQueries(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(WithPoolDefaults(connectionString));
        builder.Options = $"{builder.Options} -c plan_cache_mode=force_custom_plan".Trim();
        return builder.ConnectionString;
    }

    private static void NoPendingList(Weasel.Postgresql.Tables.IndexDefinition index) =>
        index.StorageParameters["fastupdate"] = "off";

    /// <summary>The store configuration, shared by the app and the benchmark's bulk loader.</summary>
    public static void Configure(StoreOptions opts, JobmonSettings settings)
    {
        opts.Connection(WithPoolDefaults(settings.PostgresConnectionString));
        opts.DatabaseSchemaName = settings.Schema;
        opts.Events.DatabaseSchemaName = settings.Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // Guid v7 stream ids; the SLURM identity (cluster, id) is data, not the key (ARCHITECTURE.md, "Job identity").
        opts.Events.StreamIdentity = StreamIdentity.AsGuid;
        opts.Events.MetadataConfig.EnableAll(); // who, correlation id, causation id, headers(source): the audit trail
        opts.Events.UseMandatoryStreamTypeDeclaration = true;
        opts.Events.EnableEventTypeIndex = true;
        // Inline projections take an aggregate already loaded in an identity-map session (the job-stream writer's
        // lookup, FetchForWriting) instead of loading it again: safe because JobView is immutable (Apply returns a copy).
        opts.Events.UseIdentityMapForAggregates = true;
        opts.Listeners.Add(new Jobmon.Jobs.Writing.JobStreamGuard()); // job events only through the job-stream writer

        // Required with our DistributedLock redirect (ops/packages/redirect): Marten 9.58 defaults to false, which
        // makes Weasel ask DistributedLock.Postgres 1.3.1 for a multiplexed lock on a DbDataSource; that throws
        // "Multiplexing is current incompatible with DbDataSource" on every poll and HotCold async projections
        // silently never run. Transaction-scoped locks use one dedicated connection per held shard lock.
        opts.Events.UseAdvisoryLockTransaction = true;
        // A lost lease must be noticed (the default, kept explicit: the lease guard relies on it): the lock connection
        // runs pg_sleep in a loop, and HasLock turns false as soon as that connection breaks.
        opts.Events.UseMonitoredAdvisoryLock = true;
        opts.Projections.LeadershipPollingTime = (int)settings.LeadershipPolling.TotalMilliseconds;
        // A paused shard (a failed batch) is restarted after this long; also the high-water mark's health check.
        opts.Projections.HealthCheckPollingTime = TimeSpan.FromSeconds(2);

        // Rebuilds: large event pages and accumulated flushes (tiny streams, many documents).
        opts.Projections.Snapshot<JobView>(SnapshotLifecycle.Inline, asyncConfiguration: o =>
        {
            o.BatchSize = 10_000;
            o.RebuildFlushThreshold = 20_000;
        });
        // The user, partition and group summaries share one daemon shard (a composite projection): each event page
        // is loaded and deserialized once for all three; large pages update a busy user's summary once per page.
        opts.Projections.CompositeProjectionFor("Summaries", summaries =>
        {
            summaries.Add<UserSummaryProjection>();
            summaries.Add<PartitionSummaryProjection>();
            summaries.Add<GroupSummaryProjection>();
            summaries.Options.BatchSize = 5_000;
        });
        // Usage per user × cluster × partition × month and day (Usage/UsageProjection.cs): its own shard, so the
        // summaries do not wait for its view lookups.
        opts.Projections.Add<Jobmon.Usage.UsageProjection>(ProjectionLifecycle.Async, o => o.BatchSize = 5_000);
        Jobmon.Usage.UsageSchema.Configure(opts);
        opts.Projections.Errors.SkipApplyErrors = false;
        opts.Projections.RebuildErrors.SkipApplyErrors = false;

        opts.Projections.Snapshot<Jobmon.Accounts.UserAccount>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<Jobmon.Metrics.MetricCatalogue>(SnapshotLifecycle.Inline);
        opts.Schema.For<Jobmon.Metrics.JobMetricArchive>();
        opts.Projections.Snapshot<Jobmon.Accounts.ApiKey>(SnapshotLifecycle.Inline);
        opts.Schema.For<Jobmon.Accounts.UserAccount>().Duplicate(x => x.Username).UniqueIndex(UniqueIndexType.DuplicatedField, "mt_doc_useraccount_uidx_username", x => x.Username);
        opts.Schema.For<Jobmon.Accounts.JwtSecretDocument>().Identity(x => x.Id);
        opts.Schema.For<Jobmon.Accounts.UserSession>().Duplicate(x => x.AccountId);
        // Every document type is registered, so start-up creates all tables: no request races to create one later.
        opts.Schema.For<Jobmon.Accounts.ApiKeyUsage>();
        Jobmon.Accounts.SignInSetup.ConfigureMarten(opts); // access requests, Data Protection keys

        // Columns for filtering and sorting, with composite indexes for the usual paths: "X's jobs, newest first"
        // and time windows (window_start/window_end are never null, so overlap tests can use them).
        var jobs = opts.Schema.For<JobView>();
        // Nullable columns so a schema upgrade can add them to existing rows; a rebuild fills them.
        jobs.Duplicate(x => x.WindowStart);
        jobs.Duplicate(x => x.WindowEnd);
        jobs.UniqueIndex(UniqueIndexType.DuplicatedField, "mt_doc_jobview_uidx_running_key", x => x.RunningKey!);
        // GIN indexes without a pending list (fastupdate off): under steady ingestion the list holds thousands of
        // unmerged entries that every search scans (measured at 1M jobs: 15 ms per node/text search, and the planner,
        // pricing that in, walked the start-time index past 60,000 rows instead: 405 ms). Each insert pays a little.
        jobs.Index(x => x.TagNames, i =>
        {
            i.Method = IndexMethod.gin; i.Name = "mt_doc_jobview_idx_tag_names"; NoPendingList(i);
        });
        // The node filter (node=, and q= matching a host name): "any of these names in the job's node array".
        jobs.Index(x => x.Nodes, i =>
        {
            i.Method = IndexMethod.gin; i.Name = "mt_doc_jobview_idx_nodes"; NoPendingList(i);
        });
        // Sorting by name and by GPUs (JSON fields, not columns): expressions exactly as Marten's LINQ orders by them,
        // then the list's tie-breaker window_start (Jobs/Querying/ListJobs.cs, JobListQuery.Order).
        jobs.Index([x => x.JobName, x => x.WindowStart], i => i.Name = "mt_doc_jobview_idx_job_name_window_start");
        jobs.Index([x => x.TotalGpus, x => x.WindowStart], i => i.Name = "mt_doc_jobview_idx_total_gpus_window_start");
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
            mapping.IgnoredIndexes.Add(Jobmon.Jobs.Querying.SearchTextIndex.Name); // ours (SearchTextIndex): Marten must not drop it
            // Every sortable column leads an index whose next column is the list's tie-breaker window_start (the
            // order is "column, window_start, id"; the id only breaks ties of equal start times, an incremental sort
            // of a handful of rows): sorting all jobs by any of them reads the first page from the index.
            foreach (var columns in new[]
                     {
                         new[] { "cluster", "window_start" }, ["user", "window_start"], ["account", "window_start"], ["group", "window_start"],
                         ["cluster", "partition", "window_start"], ["cluster", "partition", "state", "window_start"], ["state", "window_start"], ["slurm_id", "cluster"],
                         ["partition", "window_start"], ["stop_time", "window_start"],
                         ["duration_seconds", "window_start"], ["num_nodes", "window_start"],
                     })
                mapping.AddIndex(columns);
        });
    }
}
