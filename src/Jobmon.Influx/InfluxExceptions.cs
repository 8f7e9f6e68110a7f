using System.Net;

namespace Jobmon.Influx;

/// <summary>Base class of every error raised by <see cref="InfluxClient"/>.</summary>
public class InfluxException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InfluxException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>HTTP status of InfluxDB's answer, when there was one.</summary>
    public HttpStatusCode? StatusCode { get; }
}

/// <summary>InfluxDB rejected a query: a syntax error, an <c>error</c> in a statement result, or an HTTP 4xx/5xx
/// answer.</summary>
public sealed class InfluxQueryException : InfluxException
{
    /// <summary>Creates the exception.</summary>
    public InfluxQueryException(string message, string serverMessage, HttpStatusCode? statusCode = null,
        int? statementId = null)
        : base(message, statusCode)
    {
        ServerMessage = serverMessage;
        StatementId = statementId;
    }

    /// <summary>InfluxDB's own error text (e.g. "error parsing query: found SELEC, expected SELECT ...").</summary>
    public string ServerMessage { get; }

    /// <summary>The failing statement when the error came from a statement result.</summary>
    public int? StatementId { get; }
}

/// <summary>InfluxDB rejected a write (HTTP 4xx/5xx): unparsable line protocol, unknown database, field type conflict,
/// ...</summary>
public sealed class InfluxWriteException : InfluxException
{
    /// <summary>Creates the exception.</summary>
    public InfluxWriteException(string message, string serverMessage, HttpStatusCode? statusCode)
        : base(message, statusCode)
    {
        ServerMessage = serverMessage;
    }

    /// <summary>InfluxDB's own error text.</summary>
    public string ServerMessage { get; }
}

/// <summary>InfluxDB could not be reached or did not answer in time (connection refused, DNS, timeout, open
/// circuit).</summary>
public sealed class InfluxUnavailableException : InfluxException
{
    /// <summary>Creates the exception.</summary>
    public InfluxUnavailableException(string message, bool isTimeout, Exception? innerException = null)
        : base(message, null, innerException)
    {
        IsTimeout = isTimeout;
    }

    /// <summary>True when the call ran out of time rather than failing to connect.</summary>
    public bool IsTimeout { get; }
}

/// <summary>InfluxDB (or something in between) answered with a body that is not the expected JSON shape.</summary>
public sealed class InfluxProtocolException : InfluxException
{
    /// <summary>Creates the exception.</summary>
    public InfluxProtocolException(string message, Exception? innerException = null)
        : base(message, null, innerException)
    {
    }
}
