using System.Reflection;
using Marten.Schema;
using NpgsqlTypes;

namespace Jobmon.Jobs;

/// <summary>
/// The columns of the job view's table beside its JSON document, as Marten's inline upsert fills them: the document,
/// the stream version as Marten's numeric revision (<c>mt_version</c>), the document type and each duplicated
/// column, read from the mapping so a newly duplicated field is written too. Used only by the bulk rebuild's COPY
/// writer (<c>JobViewCopyWriter</c>), which replaces the whole table under the exclusive job-write lock; every job
/// event append and its view update go through Marten (<c>Jobs/Writing/JobStreamWriter</c>).
/// </summary>
public sealed class JobViewColumns
{
    public sealed record Duplicated(string Column, Func<JobView, object?> Value, NpgsqlDbType Type, Type ClrType);

    public string Table { get; }
    public string DotnetType { get; } = typeof(JobView).FullName!;
    public IReadOnlyList<Duplicated> DuplicatedColumns { get; }

    public JobViewColumns(DocumentMapping mapping)
    {
        Table = mapping.TableName.QualifiedName;
        DuplicatedColumns = mapping.DuplicatedFields.Select(
            f => new Duplicated(f.ColumnName, ValueOf(f.Members), f.DbType, DbClrType(f.MemberType))).ToArray();
    }

    /// <summary>"id", "data", "mt_version", "mt_dotnet_type", then the duplicated columns, quoted.</summary>
    public IEnumerable<string> QuotedColumns => new[] { "id", "data", "mt_version", "mt_dotnet_type" }.Concat(
        DuplicatedColumns.Select(d => d.Column)).Select(c => $"\"{c}\"");

    /// <summary>A duplicated value as the column stores it: enums by name (Marten's EnumStorage.AsString), times in
    /// UTC.</summary>
    public static object? ToDb(object? value) => value switch
    {
        Enum e => e.ToString(),
        DateTimeOffset t => t.ToUniversalTime(),
        _ => value,
    };

    private static Type DbClrType(Type member)
    {
        var inner = Nullable.GetUnderlyingType(member) ?? member;
        if (inner.IsEnum) return typeof(string);
        return member.IsValueType && Nullable.GetUnderlyingType(member) is null ? typeof(Nullable<>)
            .MakeGenericType(member) : member;
    }

    private static Func<JobView, object?> ValueOf(MemberInfo[] path) => doc =>
    {
        object? value = doc;
        foreach (var member in path)
            value = value is null ? null : member switch
            {
                PropertyInfo p => p.GetValue(value),
                FieldInfo f => f.GetValue(value),
                _ => throw new NotSupportedException(member.ToString()),
            };
        return value;
    };
}
