using System.Net;
using System.Text.Json;

namespace Jobmon.Influx;

/// <summary>Defensive parser of <c>/query</c> JSON answers (chunked=false). Every shape is checked.</summary>
internal static class InfluxResponseParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public static async Task<InfluxQueryResult> ParseAsync(Stream body, CancellationToken ct)
    {
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(body, DocumentOptions, ct).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new InfluxProtocolException($"InfluxDB answered the query with invalid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            return Parse(doc.RootElement);
        }
    }

    public static InfluxQueryResult Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new InfluxProtocolException($"InfluxDB answered the query with invalid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            return Parse(doc.RootElement);
        }
    }

    public static InfluxQueryResult Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Protocol($"expected a JSON object, got {root.ValueKind}");
        }

        if (root.TryGetProperty("error", out var topError))
        {
            var message = topError.ValueKind == JsonValueKind.String ? topError.GetString()! : topError.GetRawText();
            throw new InfluxQueryException($"InfluxDB rejected the query: {message}", message, HttpStatusCode.OK);
        }

        if (!root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            throw Protocol("the answer has no 'results' array");
        }

        var list = new List<InfluxStatementResult>(results.GetArrayLength());
        var index = 0;
        foreach (var result in results.EnumerateArray())
        {
            list.Add(ParseStatement(result, index++));
        }

        return new InfluxQueryResult(list);
    }

    /// <summary>Extracts InfluxDB's message from an error body (<c>{"error":"..."}</c>) or returns the trimmed
    /// text.</summary>
    public static string ErrorMessageFromBody(string body, string? errorHeader)
    {
        var trimmed = body.Trim();
        if (trimmed.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(trimmed, DocumentOptions);
                if (doc.RootElement.ValueKind == JsonValueKind.Object
                    && (doc.RootElement.TryGetProperty("error", out var e)
                        || doc.RootElement.TryGetProperty("message", out e))
                    && e.ValueKind == JsonValueKind.String)
                {
                    return e.GetString()!;
                }
            }
            catch (JsonException)
            {
                // fall through to the raw text
            }
        }

        if (trimmed.Length == 0)
        {
            return string.IsNullOrWhiteSpace(errorHeader) ? "(empty answer)" : errorHeader.Trim();
        }

        return trimmed.Length <= 2000 ? trimmed : trimmed[..2000] + "…";
    }

    private static InfluxStatementResult ParseStatement(JsonElement result, int index)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            throw Protocol($"results[{index}] is {result.ValueKind}, expected an object");
        }

        var statementId = index;
        if (result.TryGetProperty("statement_id", out var sid))
        {
            if (sid.ValueKind != JsonValueKind.Number || !sid.TryGetInt32(out statementId))
            {
                throw Protocol($"results[{index}].statement_id is not an integer");
            }
        }

        if (result.TryGetProperty("error", out var error))
        {
            var message = error.ValueKind == JsonValueKind.String ? error.GetString()! : error.GetRawText();
            throw new InfluxQueryException($"InfluxDB statement {statementId} failed: {message}", message,
                HttpStatusCode.OK, statementId);
        }

        var messages = new List<InfluxMessage>();
        if (result.TryGetProperty("messages", out var msgs) && msgs.ValueKind != JsonValueKind.Null)
        {
            if (msgs.ValueKind != JsonValueKind.Array)
            {
                throw Protocol($"results[{index}].messages is not an array");
            }

            foreach (var m in msgs.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object)
                {
                    throw Protocol($"results[{index}].messages contains a {m.ValueKind}");
                }

                messages.Add(new InfluxMessage(OptionalString(m, "level", $"results[{index}].messages") ?? "",
                    OptionalString(m, "text", $"results[{index}].messages") ?? ""));
            }
        }

        var partial = OptionalBool(result, "partial", $"results[{index}]");
        var series = new List<InfluxSeries>();
        if (result.TryGetProperty("series", out var seriesArray) && seriesArray.ValueKind != JsonValueKind.Null)
        {
            if (seriesArray.ValueKind != JsonValueKind.Array)
            {
                throw Protocol($"results[{index}].series is not an array");
            }

            var s = 0;
            foreach (var item in seriesArray.EnumerateArray())
            {
                series.Add(ParseSeries(item, $"results[{index}].series[{s++}]"));
            }
        }

        return new InfluxStatementResult(statementId, series, messages, partial);
    }

    private static InfluxSeries ParseSeries(JsonElement item, string path)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw Protocol($"{path} is {item.ValueKind}, expected an object");
        }

        var name = OptionalString(item, "name", path) ?? "";

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (item.TryGetProperty("tags", out var tagObject) && tagObject.ValueKind != JsonValueKind.Null)
        {
            if (tagObject.ValueKind != JsonValueKind.Object)
            {
                throw Protocol($"{path}.tags is not an object");
            }

            foreach (var tag in tagObject.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.ValueKind switch
                {
                    JsonValueKind.String => tag.Value.GetString()!,
                    JsonValueKind.Null => "",
                    _ => throw Protocol($"{path}.tags.{tag.Name} is {tag.Value.ValueKind}, expected a string"),
                };
            }
        }

        if (!item.TryGetProperty("columns", out var columnArray) || columnArray.ValueKind != JsonValueKind.Array)
        {
            throw Protocol($"{path} has no 'columns' array");
        }

        var columns = new List<string>(columnArray.GetArrayLength());
        foreach (var c in columnArray.EnumerateArray())
        {
            if (c.ValueKind != JsonValueKind.String)
            {
                throw Protocol($"{path}.columns contains a {c.ValueKind}, expected strings");
            }

            columns.Add(c.GetString()!);
        }

        var rows = new List<IReadOnlyList<object?>>();
        if (item.TryGetProperty("values", out var valueArray) && valueArray.ValueKind != JsonValueKind.Null)
        {
            if (valueArray.ValueKind != JsonValueKind.Array)
            {
                throw Protocol($"{path}.values is not an array");
            }

            rows.Capacity = valueArray.GetArrayLength();
            var r = 0;
            foreach (var row in valueArray.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array)
                {
                    throw Protocol($"{path}.values[{r}] is {row.ValueKind}, expected an array");
                }

                if (row.GetArrayLength() != columns.Count)
                {
                    throw Protocol($"{path}.values[{r}] has {row.GetArrayLength()} values for {columns.Count} columns");
                }

                var cells = new object?[columns.Count];
                var c = 0;
                foreach (var cell in row.EnumerateArray())
                {
                    cells[c] = cell.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.Number => ReadNumber(cell, $"{path}.values[{r}][{c}]"),
                        JsonValueKind.String => cell.GetString(),
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Protocol($"{path}.values[{r}][{c}] is {cell.ValueKind}, expected a scalar"),
                    };
                    c++;
                }

                rows.Add(cells);
                r++;
            }
        }

        var partial = OptionalBool(item, "partial", path);
        return new InfluxSeries(name, tags, columns, rows, partial);
    }

    // Integers stay long (exact beyond 2^53); other numbers become double. The casts keep the boxed type.
    private static object ReadNumber(JsonElement cell, string path)
    {
        if (cell.TryGetInt64(out var l))
        {
            return l;
        }

        if (cell.TryGetDouble(out var d) && double.IsFinite(d))
        {
            return d;
        }

        throw Protocol($"{path} is a number out of range");
    }

    private static string? OptionalString(JsonElement obj, string property, string path)
    {
        if (!obj.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Protocol($"{path}.{property} is {value.ValueKind}, expected a string");
    }

    private static bool OptionalBool(JsonElement obj, string property, string path)
    {
        if (!obj.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Protocol($"{path}.{property} is {value.ValueKind}, expected a boolean"),
        };
    }

    private static InfluxProtocolException Protocol(string detail) =>
        new($"Unexpected answer from InfluxDB /query: {detail}.");
}
