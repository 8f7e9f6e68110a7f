namespace Jobmon.Compat;

/// <summary>One problem in a config file. <see cref="Message"/> names the key path; <see cref="ToString"/> prefixes the
/// source.</summary>
/// <param name="SourceName">File name or path given to Parse/Load.</param>
/// <param name="Path">JSON path of the key (<c>Partitions.cpuonly.MaxTime</c>, <c>Metrics[3].AggFn</c>); "" for the
/// document.</param>
/// <param name="Message">Text naming the path, e.g. <c>unknown key "Partitions.cpuonly.MaxTme"</c>.</param>
public sealed record OriginalConfigError(string SourceName, string Path, string Message)
{
    public override string ToString() => $"{SourceName}: {Message}";
}

/// <summary>Thrown when a config.json is invalid; lists every problem found, each naming its key path.</summary>
public sealed class OriginalConfigException : Exception
{
    public OriginalConfigException(string sourceName, IReadOnlyList<OriginalConfigError> errors)
        : base(BuildMessage(sourceName, errors))
    {
        SourceName = sourceName;
        Errors = errors;
    }

    public string SourceName { get; }

    public IReadOnlyList<OriginalConfigError> Errors { get; }

    private static string BuildMessage(string sourceName, IReadOnlyList<OriginalConfigError> errors)
    {
        if (errors.Count == 1) return errors[0].ToString();
        return $"{sourceName} is not a valid JobMon configuration ({errors.Count} errors):" + Environment.NewLine +
               string.Join(Environment.NewLine, errors.Select(e => "  " + e));
    }
}
