using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Jobmon.Infrastructure;

/// <summary>
/// Reads a JSON object body whatever the content type (the shipped SLURM script sends JSON as form content), with
/// keys matched case-insensitively, and records a per-field error for every value of the wrong type, so a request
/// gets one 400 that names all its bad fields.
/// </summary>
public sealed class JsonBody
{
    /// <summary>Job start and bulk bodies: a 300,000-node job's node list ("x000001|x000002|…", 2.4 MB)
    /// fits.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;
    /// <summary>Small forms (sign-in, accounts, tags): a few fields of at most a few KB each.</summary>
    public const int SmallMaxBytes = 64 * 1024;
    private readonly Dictionary<string, JsonElement> _fields;
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.OrdinalIgnoreCase);

    private JsonBody(Dictionary<string, JsonElement> fields) => _fields = fields;

    public static async Task<(JsonBody? Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct,
        int maxBytes = MaxBytes)
    {
        if (request.ContentLength > maxBytes)
            return (null, TooLarge(maxBytes));
        // A pooled buffer sized from Content-Length (one read for a SLURM push), grown only for chunked bodies: the
        // ingestion path handles thousands of these a second and allocated two arrays and a stream for each.
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 ? (int)request.ContentLength + 1 : 4096);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0) break;
                length += read;
                if (length > maxBytes) return (null, TooLarge(maxBytes));
            }
            if (length == 0)
                return (null, Problems.Validation("body", "The body is empty; a JSON object is required."));
            try
            {
                // Parse reads the pooled buffer in place; one Clone copies the object out before the buffer goes back.
                JsonElement root;
                using (var doc = JsonDocument.Parse(buffer.AsMemory(0, length),
                    new JsonDocumentOptions { MaxDepth = 16 }))
                {
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                        return (null, Problems.Validation("body", "The body must be a JSON object."));
                    if (InputGuard.Check(doc.RootElement) is { } bad)
                        return (null, Problems.Validation(bad.Field, bad.Message));
                    root = doc.RootElement.Clone();
                }
                var fields = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
                foreach (var p in root.EnumerateObject())
                    fields[p.Name] = p.Value; // last duplicate wins, as in Go's decoder
                return (new JsonBody(fields), null);
            }
            catch (JsonException e)
            {
                return (null, Problems.Validation("body",
                    $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})."));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static IResult TooLarge(int maxBytes) => Results.Problem(statusCode: 413, title: "Body too large",
        detail: $"The body must not exceed {maxBytes} bytes.", extensions: new Dictionary<string,
            object?> { ["limit"] = maxBytes });

    /// <summary>The keys as sent (for APIs that reject unknown fields, as cc-backend's does).</summary>
    public IEnumerable<string> Names => _fields.Keys;

    /// <summary>The raw value, for nested structures; null when absent.</summary>
    public JsonElement? Raw(string name) => _fields.TryGetValue(name, out var v) && v.ValueKind != JsonValueKind.Null
        ? v : null;

    public bool Has(string name) => _fields.TryGetValue(name, out var v)
        && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    public void AddError(string field, string message)
    {
        if (!Errors.TryGetValue(field, out var list)) Errors[field] = list = [];
        list.Add(message);
    }

    public IResult? Problem() => Errors.Count == 0
        ? null
        : Problems.Validation(Errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

    public string? String(string name, int maxLength = 1024)
    {
        if (!_fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) { AddError(name, "must be a string."); return null; }
        var s = v.GetString()!;
        if (s.Length > maxLength) { AddError(name, $"must be at most {maxLength} characters long."); return null; }
        // Control characters, NUL and invalid text were refused for the whole body by InputGuard in ReadAsync.
        return s;
    }

    /// <summary>Integers; numeric strings are accepted too (shell scripts quote numbers).</summary>
    public long? Long(string name)
    {
        if (!_fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.AllowLeadingSign,
            CultureInfo.InvariantCulture, out var s)) return s;
        AddError(name, "must be an integer.");
        return null;
    }

    public int? Int(string name)
    {
        var value = Long(name);
        if (value is null) return null;
        if (value is < int.MinValue or > int.MaxValue) { AddError(name, "is out of range."); return null; }
        return (int)value;
    }

    public bool? Bool(string name)
    {
        if (!_fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        AddError(name, "must be true or false.");
        return null;
    }

    /// <summary>Unix seconds (number) or an ISO 8601 timestamp with offset.</summary>
    public DateTimeOffset? Time(string name)
    {
        if (!_fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var secs))
        {
            if (secs is < 0 or > 253402300799) { AddError(name, "is not a valid unix time."); return null; }
            return DateTimeOffset.FromUnixTimeSeconds(secs);
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            var s = v.GetString()!;
            if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var ss) && ss <= 253402300799)
                return DateTimeOffset.FromUnixTimeSeconds(ss);
            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                return t.ToUniversalTime();
        }
        AddError(name, "must be a unix time in seconds or an ISO 8601 timestamp.");
        return null;
    }

    public string[]? StringArray(string name, int maxItems, int maxLength)
    {
        if (!_fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Array) { AddError(name, "must be an array of strings."); return null; }
        if (v.GetArrayLength() > maxItems) { AddError(name, $"must have at most {maxItems} items."); return null; }
        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString()!.Length > maxLength)
                { AddError(name, $"must contain strings of at most {maxLength} characters."); return null; }
            list.Add(item.GetString()!);
        }
        return list.ToArray();
    }
}
