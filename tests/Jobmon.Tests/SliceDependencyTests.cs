using System.Text.RegularExpressions;

namespace Jobmon.Tests;

/// <summary>
/// The backend reads as slices (ARCHITECTURE.md, "Slices"): each top-level folder of src/Jobmon.Api is one
/// capability in namespace Jobmon.&lt;Folder&gt;, Infrastructure imports no feature, and no feature folders import each
/// other in a circle. Imports are read from the source: <c>using Jobmon.X…</c> lines and fully qualified
/// <c>Jobmon.X.</c> references (comments and string literals left out).
/// </summary>
public sealed partial class SliceDependencyTests
{
    private const string Shared = "Infrastructure";

    [Fact]
    public void Infrastructure_imports_no_feature()
    {
        var offending = Imports()
            .Where(i => i.From == Shared && i.To != Shared)
            .Select(i => $"{i.File} imports Jobmon.{i.To}")
            .Distinct()
            .ToList();
        offending.ShouldBeEmpty(
            "Infrastructure is what every slice may use; a feature it needs registers itself in Program.cs instead");
    }

    [Fact]
    public void Feature_folders_import_each_other_without_a_circle()
    {
        var graph = Imports()
            .Where(i => i.From != i.To)
            .GroupBy(i => i.From)
            .ToDictionary(g => g.Key, g => g.Select(i => i.To).Distinct().Order().ToList());
        var cycle = FindCycle(graph);
        cycle.ShouldBeNull(cycle is null ? null : "an import circle: " + string.Join(" → ", cycle) + Explain(cycle));
    }

    [Fact]
    public void Every_file_sits_in_the_folder_of_its_namespace()
    {
        var misplaced = new List<string>();
        foreach (var (folder, file, text) in Sources())
            if (NamespaceLine().Match(text) is { Success: true } m && m.Groups[1].Value != folder)
                misplaced.Add($"{file}: namespace Jobmon.{m.Groups[1].Value}");
        misplaced.ShouldBeEmpty("a file's folder is its slice; the import graph above is read by folder");
    }

    /// <summary>The check itself must see imports: the slices do use Infrastructure and the job view.</summary>
    [Fact]
    public void The_graph_sees_known_imports()
    {
        var imports = Imports().Select(i => (i.From, i.To)).ToHashSet();
        imports.ShouldContain(("Metrics", "Jobs"));
        imports.ShouldContain(("Jobs", Shared));
        imports.ShouldContain(("Search", "Accounts"));
    }

    private static string Explain(IReadOnlyList<string> cycle)
    {
        var imports = Imports();
        var lines = cycle.Zip(cycle.Skip(1)).Select(edge =>
            $"\n  {edge.First} → {edge.Second}: " + string.Join(", ", imports
                .Where(i => i.From == edge.First && i.To == edge.Second).Select(i => i.File).Distinct().Order()));
        return string.Concat(lines);
    }

    /// <summary>A path A → B → … → A, or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, List<string>> graph)
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            if (path.IndexOf(node) is var at and >= 0) return [.. path.Skip(at), node];
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
                if (Visit(next) is { } found) return found;
            path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var node in graph.Keys.Order())
            if (Visit(node) is { } cycle) return cycle;
        return null;
    }

    private sealed record Import(string From, string To, string File);

    private static List<Import> Imports()
    {
        var folders = Sources().Select(s => s.Folder).Where(f => f != Root).ToHashSet();
        var imports = new List<Import>();
        foreach (var (folder, file, text) in Sources())
        {
            if (folder == Root) continue; // the composition root wires every slice
            foreach (var line in text.Split('\n'))
            {
                var code = StringLiteral().Replace(line, "\"\"");
                if (code.IndexOf("//", StringComparison.Ordinal) is var comment and >= 0) code = code[..comment];
                if (code.TrimStart().StartsWith("namespace ", StringComparison.Ordinal)) continue;
                var found = UsingLine().Match(code) is { Success: true } u
                    ? [u.Groups[1].Value]
                    : QualifiedReference().Matches(code).Select(m => m.Groups[1].Value);
                foreach (var to in found)
                    if (folders.Contains(to)) imports.Add(new Import(folder, to, file));
            }
        }
        return imports;
    }

    private const string Root = "(root)";

    private static List<(string Folder, string File, string Text)> Sources()
    {
        var api = Path.Combine(RepositoryRoot(), "src", "Jobmon.Api");
        return Directory.EnumerateFiles(api, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(api, path).Replace('\\', '/'))
            .Where(rel => !rel.StartsWith("bin/", StringComparison.Ordinal) && !rel.StartsWith("obj/", StringComparison.Ordinal))
            .Select(rel => (rel.Contains('/') ? rel[..rel.IndexOf('/')] : Root, rel,
                File.ReadAllText(Path.Combine(api, rel))))
            .ToList();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Jobmon.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Jobmon.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?Jobmon\.([A-Z]\w*)")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])Jobmon\.([A-Z]\w*)\.")]
    private static partial Regex QualifiedReference();

    [GeneratedRegex(@"^\s*namespace\s+Jobmon\.([A-Z]\w*)")]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"@?\$*""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();
}
