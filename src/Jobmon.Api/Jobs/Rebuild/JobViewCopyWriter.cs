using System.Threading.Channels;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Marten.Schema;
using Marten;
using Npgsql;
using Jobmon.Jobs.Writing;

namespace Jobmon.Jobs.Rebuild;

/// <summary>
/// Writes job views with COPY, every column as the inline projection's upsert writes it (<see cref="JobViewColumns"/>;
/// Marten's own bulk loader writes 1 as mt_version, which would make every later append to a rebuilt job miss its
/// expected version). <c>Rebuilding_every_projection_reproduces_every_document</c> checks it column by column.
/// </summary>
public sealed class JobViewCopyWriter
{
    private readonly JobViewColumns columns;
    private readonly Marten.ISerializer serializer;
    private readonly string copy;

    public JobViewCopyWriter(DocumentMapping mapping, Marten.ISerializer serializer)
    {
        this.serializer = serializer;
        columns = new JobViewColumns(mapping);
        copy = $"COPY {columns.Table} ({string.Join(", ", columns.QuotedColumns)}) FROM STDIN (FORMAT BINARY)";
    }

    public async Task CopyAsync(NpgsqlConnection conn, IReadOnlyList<JobView> docs, CancellationToken ct)
    {
        await using var importer = await conn.BeginBinaryImportAsync(copy, ct);
        foreach (var doc in docs)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(doc.Id, NpgsqlTypes.NpgsqlDbType.Uuid, ct);
            await importer.WriteAsync(serializer.ToJson(doc), NpgsqlTypes.NpgsqlDbType.Jsonb, ct);
            await importer.WriteAsync((long)doc.Version, NpgsqlTypes.NpgsqlDbType.Bigint, ct);
            await importer.WriteAsync(columns.DotnetType, NpgsqlTypes.NpgsqlDbType.Varchar, ct);
            foreach (var column in columns.DuplicatedColumns)
            {
                if (JobViewColumns.ToDb(column.Value(doc)) is { } value)
                    await importer.WriteAsync(value, column.Type, ct);
                else await importer.WriteNullAsync(ct);
            }
        }
        await importer.CompleteAsync(ct);
    }
}
