using Microsoft.Extensions.Logging;

namespace Tidings.Server.Hosting;

/// <summary>The host's own log lines. Tests and operators grep for these messages; change them with care.</summary>
internal static partial class ServerLog
{
    /// <summary>Category of the host's log lines.</summary>
    public const string Category = "Tidings.Server";

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Tidings {Version} starting, data in {DataDirectory}")]
    public static partial void Starting(ILogger logger, string version, string dataDirectory);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Broker started, node {NodeName}")]
    public static partial void BrokerStarted(ILogger logger, string nodeName);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Listening on {Address} ({Listener})")]
    public static partial void Listening(ILogger logger, string address, string listener);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Shutting down")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Broker stopped")]
    public static partial void BrokerStopped(ILogger logger);

    [LoggerMessage(EventId = 6, Level = LogLevel.Critical, Message = "Failed to start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Definitions: {Problem}")]
    public static partial void DefinitionsProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Could not write definitions (will retry on the next change): {Reason}")]
    public static partial void DefinitionsWriteFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "Message store: {Problem}")]
    public static partial void StoreProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Fault contained in {Where}; the broker carries on")]
    public static partial void FaultContained(ILogger logger, string where, Exception exception);
}
