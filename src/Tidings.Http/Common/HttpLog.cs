using Microsoft.Extensions.Logging;

namespace Tidings.Http.Common;

/// <summary>Source-generated log messages of the HTTP endpoints.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(1, LogLevel.Error, "HTTP {Method} {Path} failed unexpectedly")]
    public static partial void UnexpectedError(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "HTTP {Method} {Path} from {Remote} refused: {Reason}")]
    public static partial void CrossSiteRefused(ILogger logger, string method, string path, string? remote, string reason);
}
