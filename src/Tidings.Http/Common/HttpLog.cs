using Microsoft.Extensions.Logging;

namespace Tidings.Http.Common;

/// <summary>Source-generated log messages of the HTTP endpoints.</summary>
internal static partial class HttpLog
{
    [LoggerMessage(2, LogLevel.Warning, "HTTP {Method} {Path} from {Remote} refused: {Reason}")]
    public static partial void CrossSiteRefused(ILogger logger, string method, string path, string? remote, string reason);
}
