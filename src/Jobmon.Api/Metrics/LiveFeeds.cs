using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Jobmon.Infrastructure;
using Jobmon.Influx;
using Jobmon.Jobs;
using Jobmon.Jobs.Querying;
using Marten;
using Wolverine;

namespace Jobmon.Metrics;

/// <summary>One feed per running job and view with viewers: one InfluxDB query per tick (built like the page's view by
/// <see cref="JobMetricsService"/>), fanned out to every viewer of that view.</summary>
public sealed class LiveFeeds(IServiceProvider services, ILogger<LiveFeeds> logger)
{
    private sealed class Feed
    {
        public readonly ConcurrentDictionary<Guid, Channel<LiveMessage>> Viewers = new();
        public CancellationTokenSource Stop = new();
    }

    private readonly ConcurrentDictionary<LiveView, Feed> _feeds = new();
    public int ActiveFeeds => _feeds.Count;
    public long Queries;

    public ChannelReader<LiveMessage> Subscribe(LiveView view, out Action unsubscribe)
    {
        var channel = Channel.CreateBounded<LiveMessage>(
            new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        var viewer = Guid.NewGuid();
        Feed feed;
        lock (_feeds)
        {
            var created = false;
            feed = _feeds.GetOrAdd(view, _ => { created = true; return new Feed(); });
            feed.Viewers[viewer] = channel;
            if (created) _ = Task.Run(() => RunAsync(view, feed));
        }
        unsubscribe = () =>
        {
            lock (_feeds)
            {
                feed.Viewers.TryRemove(viewer, out _);
                if (feed.Viewers.IsEmpty) { _feeds.TryRemove(view, out _); feed.Stop.Cancel(); }
            }
            channel.Writer.TryComplete();
        };
        return channel.Reader;
    }

    private async Task RunAsync(LiveView liveView, Feed feed)
    {
        var settings = services.GetRequiredService<JobMetricsSettings>();
        var ct = feed.Stop.Token;
        var store = services.GetRequiredService<IDocumentStore>();
        var catalogue = services.GetRequiredService<CatalogueStore>();
        var metrics = services.GetRequiredService<JobMetricsService>();
        var clock = services.GetRequiredService<TimeProvider>();
        DateTimeOffset? since = null;
        while (!ct.IsCancellationRequested)
        {
            var tick = 30;
            try
            {
                var c = await catalogue.LoadAsync(ct);
                tick = c.CollectorIntervalSeconds;
                JobView? job;
                await using (var session = store.QuerySession()) job =
                    await session.LoadAsync<JobView>(liveView.JobId, ct);
                if (job is null || job.State != JobState.Running)
                {
                    Broadcast(feed, new LiveMessage("ended",
                        JsonSerializer.Serialize(new { state = job?.State.ToString().ToLowerInvariant() })));
                    return;
                }
                var now = clock.GetUtcNow();
                Interlocked.Increment(ref Queries);
                // The page loads the history through /metrics: the first push starts a few windows back, not at the
                // job's start (a 24 h job's whole history was a full InfluxDB scan and ~1 MB per push).
                since ??= now.AddSeconds(-3 * (liveView.Interval
                    ?? SampleInterval.ChooseSeconds(now - job.StartTime!.Value, c.CollectorIntervalSeconds)));
                var request = liveView.Request(since);
                var view = await metrics.QueryAsync(job, request, ct);
                // Big jobs: the band and the outliers' lines (a few KB per push for 64 nodes).
                if (NodeBands.Applies(job, request, settings))
                    view = view with { Metrics = view.Metrics.Select(
                        m => NodeBands.Condense(m, c.Quantiles, withQuantiles: false)).ToList() };
                Broadcast(feed, new LiveMessage("metrics", JsonSerializer.Serialize(
                    new { view.From, view.To, view.Interval, view.Node, metrics = view.Metrics }, LiveJson)));
                // Next tick asks again for the last two windows, which may have been incomplete (the UI replaces their
                // points).
                since = now.AddSeconds(-2 * view.Interval);
            }
            catch (OperationCanceledException) { return; }
            catch (MetricsUnavailableException e) { Broadcast(feed,
                new LiveMessage("unavailable", JsonSerializer.Serialize(new { detail = e.Message }))); }
            catch (Exception e) { logger.LogWarning(e, "Live feed for job {JobId} failed a tick", liveView.JobId); }
            try { await Task.Delay(TimeSpan.FromSeconds(tick), ct); } catch (OperationCanceledException) { return; }
        }
    }

    private static readonly JsonSerializerOptions LiveJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static void Broadcast(Feed feed, LiveMessage message)
    {
        foreach (var viewer in feed.Viewers.Values) viewer.Writer.TryWrite(message);
    }
}
