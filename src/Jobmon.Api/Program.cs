using JasperFx;
using Jobmon;
using Jobmon.DropIn;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Overtime;
using Jobmon.Jobs.Querying;
using Jobmon.Jobs.Tagging;
using Jobmon.Admin;
using Jobmon.Accounts;
using Jobmon.Metrics;
using Jobmon.Nodes;
using Jobmon.Operations;
using Jobmon.Operations.DeadLetters;
using Jobmon.Search;
using Jobmon.Summaries;
using Jobmon.Usage;
using Jobmon.Performance;
using Wolverine;
using Wolverine.ErrorHandling;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddEnvironmentVariables();
JobmonSettings settings;
JobMetricsSettings jobMetrics;
JobEndRetrySettings jobEndRetries;
try
{
    settings = JobmonSettings.Load(builder.Configuration);
    jobMetrics = JobMetricsSettings.Load(builder.Configuration);
    jobEndRetries = JobEndRetrySettings.Load(builder.Configuration);
}
catch (Exception e) when (
    e is InvalidOperationException or Jobmon.Compat.OriginalConfigException or FileNotFoundException)
{
    // Configuration mistakes stop start-up with a message that names the key, not a stack trace.
    Console.Error.WriteLine($"Jobmon cannot start: {e.Message}");
    return 2;
}
// JOBMON_URL (ops/run, the container) unless --urls/ASPNETCORE_URLS say otherwise.
if (builder.Configuration["JOBMON_URL"] is { Length: > 0 } url && builder.Configuration["urls"] is null)
    builder.WebHost.UseUrls(url);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);

builder.Services.AddJobmonProblemDetails();
builder.Services.AddJobmonAuth();
builder.Services.AddAccounts();
builder.Services.AddJobmonSignIn(settings);
builder.Services.AddJobmonObservability();
builder.Services.AddLiveLog(builder.Logging);
builder.Services.AddJobmonMetrics(settings, jobMetrics);
builder.Services.AddDropIn();
builder.Services.AddOpenApi("v2");
builder.Services.AddJobmonResponseCompression();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(
        System.Text.Json.JsonNamingPolicy.CamelCase));
});
builder.Services.AddJobmonMarten(settings, opts => JobmonHost.ConfigureStore(opts, settings))
    .PublishJobEndsToMetrics(settings);
builder.Services.AddJobs();
builder.Services.AddJobmonOvertimeSweeper(settings);
builder.Services.AddAdmin();
builder.Services.AddDeadLetterAdmin();

builder.Host.UseWolverine(opts =>
{
    opts.ApplicationAssembly = typeof(JobView).Assembly;
    // Handlers pre-generated into Internal/Generated (`ops/codegen` after
    // changing a handler or its message; GeneratedHandlerCodeTests fails when they are stale): Roslyn is then never
    // loaded, ~150 MB less resident (BENCHMARKS.md, "Memory"). A missing type would still be compiled at run time.
    opts.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Auto;
    opts.CodeGeneration.SourceCodeWritingEnabled = false;
    opts.Policies.AutoApplyTransactions();
    opts.Policies.UseDurableLocalQueues();
    // InfluxDB or PostgreSQL down at job end delays the statistics (a bounded budget, then a dead letter).
    opts.AddJobEndRetries(jobEndRetries);
});

var app = builder.Build();
if (args.FirstOrDefault() == "import-original") return await ImportOriginalCommand.RunAsync(app, args);
if (args.FirstOrDefault() == "rebuild-job-view") return await Jobmon.Jobs.Rebuild.RebuildJobViewCommand.RunAsync(app);
// cc clients' GET /api/jobs/ (trailing slash) is ClusterCockpit's list, told apart before routing matches it.
app.UseClusterCockpitPaths();
app.UseRouting();
app.UseCorrelationIds();
app.UseJobmonExceptionHandler();
app.UseStatusCodePages();
app.UseInputGuard();
app.UseSecurityHeaders();
app.UseResponseCompression();
app.UseJobmonFrontend(settings);
app.UseAuthentication();
app.UseCsrfProtection();
app.UseRateLimiter();
app.UseAuthorization();

app.MapOpenApi("/api/openapi/{documentName}.json").AllowAnonymous();
app.MapGet("/api/ping", (TimeProvider clock) => Results.Ok(new { status = "ok", time = clock.GetUtcNow() }))
    .AllowAnonymous();
app.MapJobmonHealth();
app.MapAccounts();
app.MapSessionState();
app.MapJobmonSignIn();
app.MapJobs();
app.MapNodes();
app.MapSummaries();
app.MapUsage();
app.MapJobPerformance();
app.MapCatalogue();
app.MapJobMetrics();
app.MapLiveLog();
app.MapSearch();
app.MapDropIn();
app.MapAdmin();
app.MapDeadLetterAdmin();

app.MapJobmonFrontendFallback(settings);

return await app.RunJasperFxCommands(args);

public partial class Program;
