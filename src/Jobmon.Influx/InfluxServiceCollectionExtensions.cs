using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Jobmon.Influx;

/// <summary>Registration of <see cref="InfluxClient"/> as a typed HttpClient with the standard resilience
/// handler.</summary>
public static class InfluxServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="InfluxOptions"/> from <c>configuration.GetSection(sectionName)</c> (pass the root
    /// configuration),
    /// validates them at start-up (messages name the keys, e.g. "Influx:BaseUrl") and registers <see
    /// cref="InfluxClient"/>.
    /// </summary>
    public static IHttpClientBuilder AddJobmonInflux(this IServiceCollection services, IConfiguration configuration,
        string sectionName = InfluxOptions.SectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(sectionName);
        services.AddOptions<InfluxOptions>().Bind(configuration.GetSection(sectionName)).ValidateOnStart();
        return AddClient(services, sectionName);
    }

    /// <summary>Registers <see cref="InfluxClient"/> with options set in code.</summary>
    public static IHttpClientBuilder AddJobmonInflux(this IServiceCollection services, Action<InfluxOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<InfluxOptions>().Configure(configure).ValidateOnStart();
        return AddClient(services, InfluxOptions.SectionName);
    }

    /// <summary>
    /// Applies <see cref="InfluxOptions"/> to the standard resilience pipeline: attempt timeout = <see
    /// cref="InfluxOptions.Timeout"/>;
    /// <see cref="InfluxOptions.RetryCount"/> retries of transient failures (connection errors, timeouts, 408, 429,
    /// 5xx) with
    /// exponential back-off from <see cref="InfluxOptions.RetryDelay"/>, for reads and writes alike (InfluxDB writes
    /// are
    /// idempotent: the same point overwrites itself); requests marked with <see cref="InfluxClient.NoRetryOption"/>
    /// (ping) are
    /// not retried; the circuit breaker's sampling window is widened to at least twice the attempt timeout.
    /// </summary>
    public static void ConfigureResilience(HttpStandardResilienceOptions resilience, InfluxOptions options)
    {
        ArgumentNullException.ThrowIfNull(resilience);
        ArgumentNullException.ThrowIfNull(options);
        var retries = options.RetryCount;
        resilience.AttemptTimeout.Timeout = options.Timeout;
        resilience.TotalRequestTimeout.Timeout = options.TotalTimeout + TimeSpan.FromSeconds(1);
        resilience.Retry.MaxRetryAttempts = Math.Max(1, retries);
        resilience.Retry.BackoffType = DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.Delay = options.RetryDelay;
        resilience.Retry.MaxDelay = options.MaxRetryDelay > TimeSpan.Zero ? options.MaxRetryDelay : null;
        resilience.Retry.ShouldHandle = args =>
        {
            if (retries <= 0)
            {
                return ValueTask.FromResult(false);
            }

            var request = args.Context.GetRequestMessage();
            if (request is not null && request.Options.TryGetValue(InfluxClient.NoRetryOption, out var noRetry)
                && noRetry)
            {
                return ValueTask.FromResult(false);
            }

            // A connection reset while the body is being sent arrives as a bare socket/IO error: transient as well.
            return ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome)
                || args.Outcome.Exception is System.Net.Sockets.SocketException or IOException);
        };
        var sampling = options.Timeout * 2 + TimeSpan.FromSeconds(1);
        if (resilience.CircuitBreaker.SamplingDuration < sampling)
        {
            resilience.CircuitBreaker.SamplingDuration = sampling;
        }
    }

    private static IHttpClientBuilder AddClient(IServiceCollection services, string sectionName)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InfluxOptions>>(
            new InfluxOptionsValidator(sectionName)));
        var builder = services.AddHttpClient<InfluxClient>((_, http) =>
        {
            // The client enforces InfluxOptions.TotalTimeout itself (including the body), the pipeline the per-attempt
            // timeout.
            http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        });
        builder.AddStandardResilienceHandler().Configure(
            (HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
            ConfigureResilience(resilience, sp.GetRequiredService<IOptions<InfluxOptions>>().Value));
        return builder;
    }
}
