using System.Text;
using System.Text.Json;

namespace Jobmon.Infrastructure;

/// <summary>
/// Text checks at the edge, once for every endpoint: NUL and other control characters, invalid UTF-8 (decoded by
/// ASP.NET as U+FFFD) and lone UTF-16 surrogates never reach PostgreSQL (which refuses NUL in text and, when it does
/// mid-query, left a pooled connection out of step) or a log. JSON bodies are checked as a tree: every string and
/// property name, and arrays refuse <c>null</c> elements.
/// </summary>
public static class InputGuard
{
    /// <summary>Why <paramref name="text"/> is not acceptable text, or null when it is.</summary>
    public static string? Problem(string text, bool allowLineBreaks = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return "must not contain NUL characters.";
            if (c == '\uFFFD') return "must be valid UTF-8 text.";
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
                return "must be valid Unicode text (lone surrogate).";
            }
            if (char.IsLowSurrogate(c)) return "must be valid Unicode text (lone surrogate).";
            if (char.IsControl(c) && !(c == '\t' || (allowLineBreaks && c is '\n' or '\r')))
                return "must not contain control characters.";
        }
        return null;
    }

    /// <summary>Query string, path and the token headers of every request: 400 naming the parameter.</summary>
    public static IApplicationBuilder UseInputGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var errors = new Dictionary<string, string[]>();
        var request = context.Request;
        if (request.Path.Value is { } path && Problem(path) is { } pathProblem) errors["path"] = [pathProblem];
        foreach (var (key, values) in request.Query)
        {
            if (Problem(key) is { } keyProblem) { errors["query"] = [$"parameter names {keyProblem}"]; continue; }
            foreach (var value in values)
                if (value is not null && Problem(value) is { } valueProblem) { errors[key] = [valueProblem]; break; }
        }
        foreach (var header in (string[])["Authorization", "X-Auth-Token", "Cookie"])
            foreach (var value in request.Headers[header])
                if (value is not null && Problem(value) is { } headerProblem) errors[header] = [headerProblem];
        if (errors.Count > 0)
        {
            await Problems.Validation(errors).ExecuteAsync(context);
            return;
        }
        await next();
    });

    /// <summary>The first bad string, property name or null array element of a JSON tree, with its path.</summary>
    public static (string Field, string Message)? Check(JsonElement element, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (!TryGetText(element, out var s)) return (Field(path), "must be valid UTF-8 text.");
                return Problem(s, allowLineBreaks: true) is { } p ? (Field(path), p) : null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var name = property.Name;
                    if (Problem(name) is { } np) return (Field(path), $"property names {np}");
                    if (Check(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } inner) return inner;
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var itemPath = $"{path}[{index++}]";
                    if (item.ValueKind == JsonValueKind.Null) return (Field(path), "must not contain null elements.");
                    if (Check(item, itemPath) is { } inner) return inner;
                }
                return null;
            default:
                return null;
        }
    }

    private static string Field(string path) => path.Length == 0 ? "body" : path;

    // GetString throws for escapes that decode to invalid UTF-16 and for invalid UTF-8 bytes in the raw text.
    private static bool TryGetText(JsonElement element, out string text)
    {
        try { text = element.GetString()!; return true; }
        catch (InvalidOperationException) { text = ""; return false; }
        catch (DecoderFallbackException) { text = ""; return false; }
    }
}
