using System.Globalization;
using System.Text;

namespace Jobmon.Influx;

/// <summary>Timestamp precision of written points (the <c>precision</c> parameter of <c>/write</c>).</summary>
public enum WritePrecision
{
    /// <summary>Seconds since the Unix epoch (<c>precision=s</c>).</summary>
    Seconds,

    /// <summary>Milliseconds since the Unix epoch (<c>precision=ms</c>).</summary>
    Milliseconds,

    /// <summary>Nanoseconds since the Unix epoch (<c>precision=ns</c>).</summary>
    Nanoseconds,
}

/// <summary>
/// Escaping for the InfluxDB line protocol (<c>measurement,tag=v field=1 1700000000</c>).
/// </summary>
/// <remarks>
/// Rules (InfluxDB 1.x/2.x parser): measurements escape comma and space; tag keys, tag values and field keys escape
/// comma,
/// space and equals sign; string field values are double-quoted with <c>"</c> and <c>\</c> escaped. Other backslashes
/// are
/// written unchanged (the 1.x/2.x parser keeps them literally). Rejected with <see cref="ArgumentException"/>: empty
/// names or
/// tag values, line breaks and other control characters in names and tag values, line breaks in string fields, a
/// trailing
/// backslash in a name or tag value (it would escape the following separator), a measurement starting with <c>#</c>
/// (a comment line), and the key <c>time</c> for tags and fields.
/// </remarks>
public static class LineProtocol
{
    /// <summary>Escapes a measurement name.</summary>
    public static string EscapeMeasurement(string measurement)
    {
        CheckName(measurement, "measurement", nameof(measurement));
        if (measurement[0] == '#')
        {
            throw new ArgumentException("A measurement must not start with '#' (the line would be a comment): " +
                $"'{measurement}'.", nameof(measurement));
        }

        return Escape(measurement, escapeEquals: false);
    }

    /// <summary>Escapes a tag key.</summary>
    public static string EscapeTagKey(string key)
    {
        CheckName(key, "tag key", nameof(key));
        CheckNotTime(key, "tag key", nameof(key));
        return Escape(key, escapeEquals: true);
    }

    /// <summary>Escapes a tag value.</summary>
    public static string EscapeTagValue(string value)
    {
        CheckName(value, "tag value", nameof(value));
        return Escape(value, escapeEquals: true);
    }

    /// <summary>Escapes a field key.</summary>
    public static string EscapeFieldKey(string key)
    {
        CheckName(key, "field key", nameof(key));
        CheckNotTime(key, "field key", nameof(key));
        return Escape(key, escapeEquals: true);
    }

    /// <summary>Double-quoted string field value with <c>\</c> and <c>"</c> escaped.</summary>
    public static string QuoteFieldString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\n' or '\r':
                    throw new ArgumentException("A string field value must not contain line breaks.", nameof(value));
                case '\\' or '"':
                    sb.Append('\\').Append(c);
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Float field value (round-trippable, invariant culture). NaN and infinities are rejected.</summary>
    public static string FormatFloat(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value,
                "Line protocol has no representation for NaN or infinity.");
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Integer field value with the <c>i</c> suffix.</summary>
    public static string FormatInteger(long value) => value.ToString(CultureInfo.InvariantCulture) + "i";

    /// <summary>Time since the Unix epoch in units of <paramref name="precision"/> (rounded down).</summary>
    public static long ToTimestamp(DateTimeOffset time, WritePrecision precision)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return precision switch
        {
            WritePrecision.Seconds => FloorDiv(ticks, TimeSpan.TicksPerSecond),
            WritePrecision.Milliseconds => FloorDiv(ticks, TimeSpan.TicksPerMillisecond),
            WritePrecision.Nanoseconds => checked(ticks * 100),
            _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
        };
    }

    /// <summary>The value of the <c>precision</c> query parameter: "s", "ms" or "ns".</summary>
    public static string PrecisionParameter(WritePrecision precision) => precision switch
    {
        WritePrecision.Seconds => "s",
        WritePrecision.Milliseconds => "ms",
        WritePrecision.Nanoseconds => "ns",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision."),
    };

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static void CheckName(string value, string what, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Length == 0)
        {
            throw new ArgumentException($"A {what} must not be empty.", paramName);
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException($"A {what} must not contain line breaks or other control characters " +
                    $"(U+{(int)c:X4}).", paramName);
            }
        }

        if (value[^1] == '\\')
        {
            throw new ArgumentException($"A {what} must not end with a backslash (line protocol cannot represent " +
                $"it): '{value}'.", paramName);
        }
    }

    private static void CheckNotTime(string key, string what, string paramName)
    {
        if (key == "time")
        {
            throw new ArgumentException($"'time' cannot be used as a {what}: InfluxDB rejects or drops it.", paramName);
        }
    }

    private static string Escape(string value, bool escapeEquals)
    {
        if (value.AsSpan().IndexOfAny(escapeEquals ? ", =" : ", ") < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c == ',' || c == ' ' || (escapeEquals && c == '='))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}

/// <summary>
/// Builds a batch of line-protocol points:
/// <code>
/// var w = new LineProtocolWriter(WritePrecision.Seconds);
/// w.Point("cpu_load").Tag("hostname", "n1").Tag("type", "node").Field("value", 0.5).Timestamp(t);
/// await client.WriteAsync(w);
/// </code>
/// Tags are sorted by key (as InfluxDB recommends); duplicate tag or field keys are rejected.
/// </summary>
public sealed class LineProtocolWriter
{
    private readonly StringBuilder _lines = new();
    private readonly List<KeyValuePair<string, string>> _tags = [];
    private readonly StringBuilder _fields = new();
    private readonly HashSet<string> _fieldKeys = new(StringComparer.Ordinal);
    private string? _measurement;
    private string? _rawMeasurement;
    private long? _timestamp;

    /// <summary>Creates a writer whose timestamps are in <paramref name="precision"/> units.</summary>
    public LineProtocolWriter(WritePrecision precision = WritePrecision.Nanoseconds)
    {
        _ = LineProtocol.PrecisionParameter(precision);
        Precision = precision;
    }

    /// <summary>Timestamp precision of this batch; pass it to <c>/write</c>.</summary>
    public WritePrecision Precision { get; }

    /// <summary>Number of points written so far, including the one being built.</summary>
    public int PointCount { get; private set; }

    /// <summary>Starts a new point (finishing the previous one).</summary>
    public LineProtocolWriter Point(string measurement)
    {
        var escaped = LineProtocol.EscapeMeasurement(measurement);
        Flush();
        _measurement = escaped;
        _rawMeasurement = measurement;
        PointCount++;
        return this;
    }

    /// <summary>Adds a tag to the current point.</summary>
    public LineProtocolWriter Tag(string key, string value)
    {
        RequirePoint();
        var k = LineProtocol.EscapeTagKey(key);
        var v = LineProtocol.EscapeTagValue(value);
        if (_tags.Any(t => t.Key == k))
        {
            throw new ArgumentException($"Tag '{key}' is set twice on point '{_rawMeasurement}'.", nameof(key));
        }

        _tags.Add(new(k, v));
        return this;
    }

    /// <summary>Adds a float field.</summary>
    public LineProtocolWriter Field(string key, double value) => AddField(key, LineProtocol.FormatFloat(value));

    /// <summary>Adds an integer field (<c>5i</c>).</summary>
    public LineProtocolWriter Field(string key, long value) => AddField(key, LineProtocol.FormatInteger(value));

    /// <summary>Adds a boolean field.</summary>
    public LineProtocolWriter Field(string key, bool value) => AddField(key, value ? "true" : "false");

    /// <summary>Adds a string field.</summary>
    public LineProtocolWriter Field(string key, string value) => AddField(key, LineProtocol.QuoteFieldString(value));

    /// <summary>Sets the timestamp of the current point, converted to <see cref="Precision"/> (rounded down).</summary>
    public LineProtocolWriter Timestamp(DateTimeOffset time) => Timestamp(LineProtocol.ToTimestamp(time, Precision));

    /// <summary>Sets the timestamp of the current point in <see cref="Precision"/> units since the Unix
    /// epoch.</summary>
    public LineProtocolWriter Timestamp(long value)
    {
        RequirePoint();
        if (_timestamp is not null)
        {
            throw new InvalidOperationException($"The timestamp of point '{_rawMeasurement}' is set twice.");
        }

        _timestamp = value;
        return this;
    }

    /// <summary>Removes all points.</summary>
    public void Clear()
    {
        _lines.Clear();
        ResetPoint();
        PointCount = 0;
    }

    /// <summary>The batch as line protocol, one point per line, each ending with '\n'.</summary>
    public override string ToString()
    {
        Flush();
        return _lines.ToString();
    }

    private LineProtocolWriter AddField(string key, string formattedValue)
    {
        RequirePoint();
        var k = LineProtocol.EscapeFieldKey(key);
        if (!_fieldKeys.Add(k))
        {
            throw new ArgumentException($"Field '{key}' is set twice on point '{_rawMeasurement}'.", nameof(key));
        }

        if (_fields.Length > 0)
        {
            _fields.Append(',');
        }

        _fields.Append(k).Append('=').Append(formattedValue);
        return this;
    }

    private void RequirePoint()
    {
        if (_measurement is null)
        {
            throw new InvalidOperationException("Call Point(measurement) before adding tags, fields or a timestamp.");
        }
    }

    private void Flush()
    {
        if (_measurement is null)
        {
            return;
        }

        if (_fields.Length == 0)
        {
            throw new InvalidOperationException($"Point '{_rawMeasurement}' has no field; line protocol needs at " +
                "least one.");
        }

        _lines.Append(_measurement);
        foreach (var (k, v) in _tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            _lines.Append(',').Append(k).Append('=').Append(v);
        }

        _lines.Append(' ').Append(_fields);
        if (_timestamp is { } ts)
        {
            _lines.Append(' ').Append(ts.ToString(CultureInfo.InvariantCulture));
        }

        _lines.Append('\n');
        ResetPoint();
    }

    private void ResetPoint()
    {
        _measurement = null;
        _rawMeasurement = null;
        _tags.Clear();
        _fields.Clear();
        _fieldKeys.Clear();
        _timestamp = null;
    }
}
