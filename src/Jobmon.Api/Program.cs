using JasperFx;
using Jobmon.Infrastructure;
using Jobmon.Jobs;
using Jobmon.Jobs.Ingestion;
using Jobmon.Jobs.Overtime;
using Jobmon.Jobs.Querying;
using Jobmon.Jobs.Tagging;
using Jobmon.Admin;
using Jobmon.Accounts;
using Jobmon.Operations;
using Jobmon.Operations.DeadLetters;
using Jobmon.Metrics;
using Jobmon.Summaries;
using Jobmon.Usage;
using Jobmon.Performance;
using Wolverine;
using Wolverine.ErrorHandling;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddEnvironmentVariables();
JobmonSettings settings;
try { settings = JobmonSettings.Load(builder.Configuration); }
catch (Exception e) when (e is InvalidOperationException or Jobmon.Compat.OriginalConfigException or FileNotFoundException)
{
    // Configuration mistakes stop start-up with a message that names the key, not a stack trace.
    Console.Error.WriteLine($"Jobmon cannot start: {e.Message}");
    return 2;
}
// JOBMON_URL (ops/run, the container) unless --urls/ASPNETCORE_URLS say otherwise.
if (builder.Configuration["JOBMON_URL"] is { Length: > 0 } url && builder.Configuration["urls"] is null) builder.WebHost.UseUrls(url);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);

builder.Services.AddJobmonProblemDetails();
builder.Services.AddJobmonAuth();
builder.Services.AddAccounts();
builder.Services.AddJobmonSignIn(settings);
builder.Services.AddJobmonObservability();
builder.Services.AddLiveLog(builder.Logging);
builder.Services.AddJobmonMetrics(settings);
builder.Services.AddHostedService<Jobmon.Compat.OriginalConfigStartupImport>();
builder.Services.AddSingleton<Jobmon.Compat.OriginalDatabaseImport>();
builder.Services.AddOpenApi("v2");
builder.Services.AddJobmonResponseCompression();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
});
builder.Services.AddJobmonMarten(settings);
builder.Services.AddJobmonOvertimeSweeper(settings);
Jobmon.Jobs.Writing.JobWritingSetup.AddJobStreamWriter(builder.Services);
builder.Services.AddProjectionAdmin();
builder.Services.AddDeadLetterAdmin();
// Validators are immutable once built; building FluentValidation rules per request is costly.
builder.Services.AddSingleton<StartJobValidator>();
builder.Services.AddSingleton<StopJobValidator>();

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
    opts.AddJobEndRetries(settings.JobEndRetries);
});

var app = builder.Build();
if (args.FirstOrDefault() == "import-original") return await Jobmon.Compat.ImportOriginalCommand.RunAsync(app, args);
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
app.MapGet("/api/ping", (TimeProvider clock) => Results.Ok(new { status = "ok", time = clock.GetUtcNow() })).AllowAnonymous();
app.MapJobmonHealth();
app.MapAccounts();
Jobmon.Accounts.SessionState.MapSessionState(app);
app.MapJobmonSignIn();
app.MapJobIngestion();
app.MapClusterCockpitIngestion();
Jobmon.Nodes.NodeStates.MapNodeStates(app);
Jobmon.Nodes.NodePage.MapNodePage(app);
app.MapClusterCockpitJobList();
app.MapJobQueries();
app.MapJobCommands();
Jobmon.Jobs.Tagging.TagSuggestions.MapTagSuggestions(app);
Jobmon.Jobs.Tagging.TagCounts.MapTagCounts(app);
app.MapSlurmIdLookup();
app.MapSummaries();
app.MapUsage();
app.MapJobPerformance();
app.MapCatalogue();
app.MapJobMetrics();
app.MapLiveLog();
app.MapSearch();
Jobmon.Compat.OriginalConfigEndpoints.MapOriginalConfigImport(app);
app.MapPost("/api/admin/sweep", AdminJobActions.SweepNowAsync).Produces<SweepResult>().ProducesValidationProblem()
    .RequireAuthorization(Policies.Admin).WithTags("Administration").WithSummary("Run the overtime sweeper now. Body (optional): {reason}, recorded on the events it appends.");
app.MapProjectionAdmin();
app.MapDeadLetterAdmin();

app.MapJobmonFrontendFallback(settings);

return await app.RunJasperFxCommands(args);

public partial class Program;
