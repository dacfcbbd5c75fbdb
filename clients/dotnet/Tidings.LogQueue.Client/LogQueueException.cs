using System.Net;

namespace Tidings.LogQueue.Client;

/// <summary>A failure answer of the logging-queue API: its HTTP status and message.</summary>
public sealed class LogQueueException(HttpStatusCode status, string message) : Exception(message)
{
    /// <summary>400 for a broken rule or bad input, 404 for an unknown topic or id, 401/403 for credentials.</summary>
    public HttpStatusCode Status { get; } = status;
}
