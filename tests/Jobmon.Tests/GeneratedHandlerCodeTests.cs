using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Model;
using Jobmon.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace Jobmon.Tests;

/// <summary>
/// Wolverine's handler code is generated ahead of time into src/Jobmon.Api/Internal/Generated (Roslyn is then never
/// loaded: ~150 MB less resident memory, BENCHMARKS.md "Memory"). Checked-in generated code can go stale when a handler
/// or its message changes; this test generates it again from the running host and compares file by file.
/// </summary>
[Collection(SharedAppCollection.Name)]
public sealed class GeneratedHandlerCodeTests(SharedApp fixture)
{
    [Fact]
    public void The_checked_in_handler_code_is_what_Wolverine_generates_from_the_current_handlers()
    {
        var services = fixture.App.Services;
        var collections = services.GetServices<ICodeFileCollection>().ToArray();
        collections.ShouldNotBeEmpty();
        var rules = collections.Select(c => c.Rules).Distinct().ToArray();
        var output = Directory.CreateTempSubdirectory("jobmon-codegen-").FullName;
        var previous = rules.Select(r => r.GeneratedCodeOutputPath).ToArray();
        try
        {
            foreach (var r in rules) r.GeneratedCodeOutputPath = output;
            new DynamicCodeBuilder(services, collections) { ServiceVariableSource = services.GetService<IServiceVariableSource>() }
                .WriteGeneratedCode(_ => { });
        }
        finally
        {
            for (var i = 0; i < rules.Length; i++) rules[i].GeneratedCodeOutputPath = previous[i];
        }
        var checkedIn = Path.Combine(RepositoryRoot(), "src", "Jobmon.Api", "Internal", "Generated");
        var fix = "run `ops/codegen` and commit src/Jobmon.Api/Internal/Generated";
        var generatedFiles = Files(output);
        var checkedInFiles = Files(checkedIn);
        generatedFiles.Keys.Order().ShouldBe(checkedInFiles.Keys.Order(), $"generated handler files differ: {fix}");
        foreach (var (name, text) in generatedFiles)
            Normalize(checkedInFiles[name]).ShouldBe(Normalize(text), $"{name} is stale: {fix}");
        Directory.Delete(output, true);
    }

    private static Dictionary<string, string> Files(string root) => Directory.Exists(root)
        ? Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText)
        : [];

    private static string Normalize(string code) => code.Replace("\r\n", "\n").Trim();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Jobmon.sln"))) return dir.FullName;
        throw new InvalidOperationException("Jobmon.sln not found above " + AppContext.BaseDirectory);
    }
}
