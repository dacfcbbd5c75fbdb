using System.Net;
using Microsoft.Extensions.Logging;

namespace Tidings.Mqtt.Connection;

/// <summary>Source-generated log messages of the MQTT listener.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "MQTT connection from {Remote} opened: client id '{ClientId}', user '{User}', vhost '{VirtualHost}', {Protocol}")]
    public static partial void ConnectionOpened(ILogger logger, EndPoint? remote, string clientId, string user, string virtualHost, string protocol);

    [LoggerMessage(2, LogLevel.Warning, "MQTT connection from {Remote} closed with error: {Reason}")]
    public static partial void ConnectionError(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(3, LogLevel.Warning, "MQTT login refused for user '{User}' from {Remote}: {Reason}")]
    public static partial void LoginRefused(ILogger logger, EndPoint? remote, string user, string reason);

    [LoggerMessage(4, LogLevel.Information, "MQTT connection from {Remote}: keep-alive timeout ({Seconds} s without a packet); closing")]
    public static partial void KeepAliveTimeout(ILogger logger, EndPoint? remote, double seconds);

    [LoggerMessage(5, LogLevel.Error, "MQTT connection from {Remote} failed unexpectedly")]
    public static partial void UnexpectedError(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "MQTT client id '{ClientId}' connected again from {Remote}: the older connection is taken over")]
    public static partial void TakenOver(ILogger logger, EndPoint? remote, string clientId);
}
