using FluentValidation.Results;
using Jobmon.Infrastructure;

namespace Jobmon.Jobs.Ingestion;

public static class ValidationMapping
{
    /// <summary>FluentValidation property paths → the field names the client used (e.g. Nodes[2] →
    /// nodeList[2]).</summary>
    public static void AddTo(this ValidationResult result, JsonBody body, IReadOnlyDictionary<string, string> wireNames)
    {
        foreach (var failure in result.Errors)
        {
            var path = failure.PropertyName;
            var bracket = path.IndexOf('[');
            var root = bracket < 0 ? path : path[..bracket];
            var name = wireNames.TryGetValue(root, out var wire) ? wire + (bracket < 0 ? "" : path[bracket..]) : path;
            if (!body.Errors.ContainsKey(name.Split('[')[0]) || bracket >= 0)
                body.AddError(name, failure.ErrorMessage);
        }
    }
}
