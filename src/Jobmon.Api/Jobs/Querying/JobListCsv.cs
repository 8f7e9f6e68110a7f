using System.Globalization;
using System.Text;
using Marten;

namespace Jobmon.Jobs.Querying;

/// <summary>GET /api/jobs?format=csv: every job the filters match, in the list's order, written row by row as
/// PostgreSQL returns them (Marten's async enumerable), so memory does not grow with the number of rows.</summary>
public static class JobListCsv
{
    public const int MaxRows = 1_000_000;

    public const string Header =
        "id,cluster,jobId,arrayJobId,arrayTaskId,user,group,account,name,partition,state,startTime,stopTime," +
        "durationSeconds,numNodes,numTasks,numCpus,totalGpus,nodes,exitCode,tags";

    public static async Task WriteAsync(HttpContext http, IDocumentStore store, string connectionString,
        JobListQuery query,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct); // before the headers: an outage still answers a problem, not a cut CSV
        await using var session = store.QuerySession(Marten.Services.SessionOptions.ForConnection(connection));
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"jobs.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024);
        await writer.WriteAsync(Header + "\n");
        await writer.FlushAsync(ct); // the answer starts now; the rows follow as they are read
        var rows = query.Order(query.Apply(session.Query<JobView>(), now)).Take(MaxRows);
        await foreach (var j in rows.ToAsyncEnumerable(ct))
        {
            await writer.WriteAsync(Row(j, now));
        }
        await writer.FlushAsync(ct);
    }

    public static string Row(JobView j, DateTimeOffset now)
    {
        static string Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'",
            CultureInfo.InvariantCulture) ?? "";
        static string N(long? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "";
        var fields = new[]
        {
            j.Id.ToString(), j.Cluster, N(j.SlurmId), N(j.ArrayJobId), N(j.ArrayTaskId), j.User, j.Group, j.Account,
                j.JobName,
            j.Partition, System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(j.State.ToString()),
                Time(j.StartTime), Time(j.StopTime),
            N(JobListItem.DurationOf(j, now)), N(j.NumNodes), N(j.NumTasks), N(j.NumCpus), N(j.TotalGpus),
            NodesOf(j), N(j.ExitCode), string.Join(';', j.TagNames),
        };
        return string.Join(',', fields.Select(Field)) + "\n";
    }

    private static string NodesOf(JobView j)
    {
        if (j.Nodes.Length == 0) return "";
        try { return Jobmon.Hostlists.Hostlist.Compress(j.Nodes); }
        catch (ArgumentException) { return string.Join(' ', j.Nodes); } // a name a hostlist cannot represent
    }

    /// <summary>RFC 4180 quoting; a leading =, +, -, @ is neutralised (spreadsheet formula injection).</summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
