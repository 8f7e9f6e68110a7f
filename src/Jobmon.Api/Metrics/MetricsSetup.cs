using Jobmon.Infrastructure;
using Jobmon.Influx;
using JasperFx.Events.Projections;
using Jobmon.Jobs;
using Marten;
using Wolverine.Marten;

namespace Jobmon.Metrics;


public static class MetricsSetup
{
    public static StoreOptions ConfigureMetrics(this StoreOptions opts)
    {
        opts.Projections.Snapshot<MetricCatalogue>(SnapshotLifecycle.Inline);
        opts.Schema.For<JobMetricArchive>();
        return opts;
    }

    /// <summary>Job ends drive the metric statistics/archive/classification: a durable subscription (the daemon tracks
    /// its position), handed to Wolverine's durable local queue with retries. Without InfluxDB there is nothing to
    /// compute, so no message is queued (the subscription still advances).</summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression PublishJobEndsToMetrics(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten, JobmonSettings settings) =>
        marten.PublishEventsToWolverine("JobEndMetrics", relay =>
        {
            var withMetrics = settings.InfluxUrl is not null;
            relay.PublishEvent<JobEnded>((e, bus) =>
                withMetrics ? bus.PublishAsync(new FinalizeJobMetrics(e.StreamId)) : ValueTask.CompletedTask);
            relay.PublishEvent<JobTimedOut>((e, bus) =>
                withMetrics ? bus.PublishAsync(new FinalizeJobMetrics(e.StreamId)) : ValueTask.CompletedTask);
        });

    public static IServiceCollection AddJobmonMetrics(this IServiceCollection services, JobmonSettings settings,
        JobMetricsSettings jobMetrics)
    {
        services.AddSingleton(jobMetrics);
        services.AddSingleton<CatalogueStore>();
        services.AddSingleton<JobMetricsService>();
        services.AddSingleton<LiveFeeds>();
        services.AddSingleton<IReadinessProbe, InfluxReadiness>();
        services.AddHostedService<RunningStatistics>();
        if (settings.InfluxUrl is { } url)
            services.AddJobmonInflux(o =>
            {
                o.BaseUrl = url;
                o.Token = settings.InfluxToken;
                o.Org = settings.InfluxOrg;
                o.Database = settings.InfluxDatabase;
                o.Timeout = TimeSpan.FromSeconds(10);
                o.RetryCount = 1;
            });
        if (settings.SeedDefaultCatalogue) services.AddHostedService<DefaultCatalogueSeeder>();
        return services;
    }
}
