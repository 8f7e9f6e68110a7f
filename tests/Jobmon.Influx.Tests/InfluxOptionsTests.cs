using Jobmon.Influx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jobmon.Influx.Tests;

public class InfluxOptionsTests
{
    private static InfluxOptions Valid() => new() { BaseUrl = "http://localhost:8086", Database = "metrics" };

    [Fact]
    public void Valid_options_have_no_errors()
    {
        Valid().Validate().ShouldBeEmpty();
        new InfluxOptions { BaseUrl = "https://influx.example.org/proxy/", Bucket = "jobmon" }.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var o = new InfluxOptions();
        o.Timeout.ShouldBe(TimeSpan.FromSeconds(10));
        o.RetryCount.ShouldBe(2);
        o.TotalTimeout.ShouldBe(TimeSpan.FromSeconds(30) + TimeSpan.FromSeconds(4));
        new InfluxOptions { RetryCount = 0, Timeout = TimeSpan.FromSeconds(3) }.TotalTimeout.ShouldBe(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Missing_values_are_named_by_key()
    {
        var errors = new InfluxOptions().Validate();
        errors.Count.ShouldBe(2);
        errors.ShouldContain(e => e.StartsWith("Influx:BaseUrl is required", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Influx:Database (or Influx:Bucket) is required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("localhost:8086")]
    [InlineData("ftp://localhost")]
    [InlineData("/relative")]
    [InlineData("http://host:8086/?db=x")]
    public void Bad_urls_are_rejected(string url)
    {
        var o = Valid();
        o.BaseUrl = url;
        o.Validate().ShouldHaveSingleItem().ShouldStartWith("Influx:BaseUrl must");
    }

    [Fact]
    public void Other_settings_are_checked_with_their_key()
    {
        var o = Valid();
        o.Timeout = TimeSpan.Zero;
        o.RetryCount = 11;
        o.RetryDelay = TimeSpan.FromSeconds(-1);
        o.Bucket = "other";
        o.Token = "abc\n";
        var errors = o.Validate("Metrics:Influx");
        errors.ShouldContain(e => e.StartsWith("Metrics:Influx:Timeout", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Metrics:Influx:RetryCount", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Metrics:Influx:RetryDelay", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Metrics:Influx:Database ('metrics') and Metrics:Influx:Bucket", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Metrics:Influx:Token", StringComparison.Ordinal));
        Should.Throw<OptionsValidationException>(() => o.ValidateOrThrow()).Message.ShouldContain("Influx:RetryCount");
    }

    [Fact]
    public void Registration_binds_and_validates_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Influx:BaseUrl"] = "not a url",
            ["Influx:Timeout"] = "00:00:05",
        }).Build();
        var services = new ServiceCollection();
        services.AddJobmonInflux(configuration);
        using var provider = services.BuildServiceProvider();
        var ex = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<InfluxClient>());
        ex.Failures.ShouldContain(f => f.StartsWith("Influx:BaseUrl must be an absolute http or https URL", StringComparison.Ordinal));
        ex.Failures.ShouldContain(f => f.StartsWith("Influx:Database", StringComparison.Ordinal));
    }

    [Fact]
    public void Registration_applies_timeout_and_retries_to_the_resilience_pipeline()
    {
        var resilience = new Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions();
        InfluxServiceCollectionExtensions.ConfigureResilience(resilience, new InfluxOptions
        {
            BaseUrl = "http://x", Database = "d", Timeout = TimeSpan.FromSeconds(40), RetryCount = 4, RetryDelay = TimeSpan.FromMilliseconds(100),
        });
        resilience.AttemptTimeout.Timeout.ShouldBe(TimeSpan.FromSeconds(40));
        resilience.Retry.MaxRetryAttempts.ShouldBe(4);
        resilience.Retry.Delay.ShouldBe(TimeSpan.FromMilliseconds(100));
        resilience.TotalRequestTimeout.Timeout.ShouldBeGreaterThan(TimeSpan.FromSeconds(200));
        resilience.CircuitBreaker.SamplingDuration.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(80));
    }
}
