using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;
using Weasel.Postgresql.Tables;
using Marten.Schema;
using Wolverine.Marten;

namespace Jobmon.Infrastructure;

public static class MartenSetup
{
    /// <summary>Marten with Wolverine. <paramref name="configureStore"/> is the composition root's whole store
    /// (JobmonHost.ConfigureStore: <see cref="ConfigureStoreWide"/>, then each slice's documents, projections and
    /// events). The caller adds subscriptions to the result.</summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddJobmonMarten(
        this IServiceCollection services, JobmonSettings settings, Action<StoreOptions> configureStore) =>
        services.AddMarten(configureStore)
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .AddAsyncDaemon(settings.DaemonMode == "Solo" ? DaemonMode.Solo : DaemonMode.HotCold)
            .IntegrateWithWolverine();

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
    /// call's values. A cached generic plan for the list's filters picks bitmap ANDs over unselective indexes
    /// (measured:
    /// 60 ms instead of 6 ms for "an account's multi-node jobs"); the writing paths keep cached generic plans (the
    /// ingestion batch's statements, Marten's plpgsql append function), which keep them cheap.</summary>
    public static string ForAdHocQueries(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(WithPoolDefaults(connectionString));
        builder.Options = $"{builder.Options} -c plan_cache_mode=force_custom_plan".Trim();
        return builder.ConnectionString;
    }

    /// <summary>The store-wide configuration (connection, schema, event store options); the slices add
    /// theirs.</summary>
    public static void ConfigureStoreWide(StoreOptions opts, JobmonSettings settings)
    {
        opts.Connection(WithPoolDefaults(settings.PostgresConnectionString));
        opts.DatabaseSchemaName = settings.Schema;
        opts.Events.DatabaseSchemaName = settings.Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        // Nulls are left out of stored JSON: a job view is a third smaller, and every stop rewrites it (its WAL and
        // heap are ingestion's largest cost after the indexes). Reading a missing property gives null as before.
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase,
            json => json.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);

        // Guid v7 stream ids; the SLURM identity (cluster, id) is data, not the key (ARCHITECTURE.md, "Job identity").
        opts.Events.StreamIdentity = StreamIdentity.AsGuid;
        opts.Events.MetadataConfig.EnableAll(); // who, correlation id, causation id, headers(source): the audit trail
        opts.Events.UseMandatoryStreamTypeDeclaration = true;
        opts.Events.EnableEventTypeIndex = true;
        // Inline projections take an aggregate already loaded in an identity-map session (the job-stream writer's
        // lookup, FetchForWriting) instead of loading it again: safe because JobView is immutable (Apply returns a
        // copy).
        opts.Events.UseIdentityMapForAggregates = true;

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

        opts.Projections.Errors.SkipApplyErrors = false;
        opts.Projections.RebuildErrors.SkipApplyErrors = false;
    }
}
