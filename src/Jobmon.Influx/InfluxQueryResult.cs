using System.Globalization;

namespace Jobmon.Influx;

/// <summary>The answer of <c>/query</c>: one result per statement.</summary>
public sealed class InfluxQueryResult
{
    /// <summary>Creates a result.</summary>
    public InfluxQueryResult(IReadOnlyList<InfluxStatementResult> results)
    {
        Results = results ?? throw new ArgumentNullException(nameof(results));
    }

    /// <summary>Statement results in statement order.</summary>
    public IReadOnlyList<InfluxStatementResult> Results { get; }

    /// <summary>The series of a single-statement query (throws if the query had several statements).</summary>
    public IReadOnlyList<InfluxSeries> Series => Results.Count switch
    {
        0 => [],
        1 => Results[0].Series,
        _ => throw new InvalidOperationException($"The query had {Results.Count} statements; use Results[i].Series."),
    };
}

/// <summary>The result of one statement.</summary>
public sealed class InfluxStatementResult
{
    /// <summary>Creates a statement result.</summary>
    public InfluxStatementResult(int statementId, IReadOnlyList<InfluxSeries> series,
        IReadOnlyList<InfluxMessage> messages, bool isPartial)
    {
        StatementId = statementId;
        Series = series;
        Messages = messages;
        IsPartial = isPartial;
    }

    /// <summary>Index of the statement in the query.</summary>
    public int StatementId { get; }

    /// <summary>Series returned (empty when nothing matched, e.g. an unknown measurement).</summary>
    public IReadOnlyList<InfluxSeries> Series { get; }

    /// <summary>Informational/warning messages of InfluxDB (e.g. deprecations).</summary>
    public IReadOnlyList<InfluxMessage> Messages { get; }

    /// <summary>True when InfluxDB truncated the result (server <c>max-row-limit</c>).</summary>
    public bool IsPartial { get; }
}

/// <summary>A message attached to a statement result.</summary>
public sealed record InfluxMessage(string Level, string Text);

/// <summary>A time/value pair read from a series.</summary>
public readonly record struct InfluxPoint(DateTimeOffset Time, double? Value);

/// <summary>
/// One series: name, group-by tags, column names and rows. Cell values are <c>null</c>, <see cref="long"/> (JSON
/// integers),
/// <see cref="double"/>, <see cref="string"/> or <see cref="bool"/>. With the client's <c>epoch=ms</c> the <c>time</c>
/// column holds
/// milliseconds since the Unix epoch; use <see cref="GetTime"/>.
/// </summary>
public sealed class InfluxSeries
{
    private readonly Dictionary<string, int> _columnIndex;

    /// <summary>Creates a series; every row must have one value per column.</summary>
    public InfluxSeries(string name, IReadOnlyDictionary<string, string> tags, IReadOnlyList<string> columns,
        IReadOnlyList<IReadOnlyList<object?>> rows, bool isPartial = false)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Tags = tags ?? throw new ArgumentNullException(nameof(tags));
        Columns = columns ?? throw new ArgumentNullException(nameof(columns));
        Rows = rows ?? throw new ArgumentNullException(nameof(rows));
        IsPartial = isPartial;
        _columnIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            _columnIndex.TryAdd(columns[i], i);
        }

        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r].Count != columns.Count)
            {
                throw new ArgumentException($"Row {r} of series '{name}' has {rows[r].Count} values for " +
                    $"{columns.Count} columns.", nameof(rows));
            }
        }
    }

    /// <summary>Measurement name (or the name InfluxDB gives a SHOW result).</summary>
    public string Name { get; }

    /// <summary>GROUP BY tag values of this series (empty without GROUP BY).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Column names, e.g. ["time", "mean"].</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows of cell values, one per column.</summary>
    public IReadOnlyList<IReadOnlyList<object?>> Rows { get; }

    /// <summary>True when InfluxDB marked the series as partial.</summary>
    public bool IsPartial { get; }

    /// <summary>Index of a column, or -1.</summary>
    public int ColumnIndex(string column) => _columnIndex.TryGetValue(column, out var i) ? i : -1;

    /// <summary>Index of a column; throws <see cref="KeyNotFoundException"/> naming the available columns.</summary>
    public int RequireColumn(string column)
    {
        var i = ColumnIndex(column);
        return i >= 0 ? i
            : throw new KeyNotFoundException($"Series '{Name}' has no column '{column}' (columns: " +
            $"{string.Join(", ", Columns)}).");
    }

    /// <summary>The raw cell.</summary>
    public object? GetValue(int row, string column) => Rows[row][RequireColumn(column)];

    /// <summary>The <c>time</c> column of a row (epoch milliseconds or an RFC 3339 string).</summary>
    public DateTimeOffset GetTime(int row) => Rows[row][RequireColumn("time")] switch
    {
        long ms => DateTimeOffset.FromUnixTimeMilliseconds(ms),
        double d when double.IsInteger(d) => DateTimeOffset.FromUnixTimeMilliseconds((long)d),
        string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) => t,
        var other => throw new InfluxProtocolException($"Row {row} of series '{Name}' has no usable time value " +
            $"({Describe(other)})."),
    };

    /// <summary>A numeric cell as double (null for JSON null).</summary>
    public double? GetDouble(int row, string column) => GetDouble(row, RequireColumn(column));

    /// <summary>A numeric cell as double (null for JSON null).</summary>
    public double? GetDouble(int row, int column) => Rows[row][column] switch
    {
        null => null,
        long l => l,
        double d => d,
        var other => throw new InvalidCastException($"Column '{Columns[column]}' of series '{Name}', row {row}, is " +
            $"not a number ({Describe(other)})."),
    };

    /// <summary>A string cell (null for JSON null).</summary>
    public string? GetString(int row, string column) => Rows[row][RequireColumn(column)] switch
    {
        null => null,
        string s => s,
        var other => throw new InvalidCastException($"Column '{column}' of series '{Name}', row {row}, is not a " +
            $"string ({Describe(other)})."),
    };

    /// <summary>All rows as (time, value of <paramref name="column"/>) pairs.</summary>
    public IReadOnlyList<InfluxPoint> GetPoints(string column = "value")
    {
        var c = RequireColumn(column);
        var points = new InfluxPoint[Rows.Count];
        for (var r = 0; r < Rows.Count; r++)
        {
            points[r] = new InfluxPoint(GetTime(r), GetDouble(r, c));
        }

        return points;
    }

    private static string Describe(object? value) => value is null ? "null" : $"{value.GetType().Name} {value}";
}

/// <summary>Result of <see cref="InfluxClient.PingAsync"/>.</summary>
/// <param name="Version">The <c>X-Influxdb-Version</c> header (null if absent).</param>
/// <param name="Build">The <c>X-Influxdb-Build</c> header, e.g. "OSS" (null if absent).</param>
/// <param name="Latency">Round-trip time of the ping.</param>
public sealed record InfluxPing(string? Version, string? Build, TimeSpan Latency);
