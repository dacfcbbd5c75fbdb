using System.Net;
using Microsoft.Extensions.Logging;

namespace Tidings.Amqp.Connection;

/// <summary>Source-generated log messages of the AMQP listener.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "AMQP connection from {Remote} opened: user '{User}', vhost '{VirtualHost}'")]
    public static partial void ConnectionOpened(ILogger logger, EndPoint? remote, string user, string virtualHost);

    [LoggerMessage(2, LogLevel.Warning, "AMQP connection from {Remote} closed with error: {ReplyText}")]
    public static partial void ConnectionError(ILogger logger, EndPoint? remote, string replyText);

    [LoggerMessage(3, LogLevel.Warning, "AMQP handshake with {Remote} failed: {ReplyText}")]
    public static partial void HandshakeFailed(ILogger logger, EndPoint? remote, string replyText);

    [LoggerMessage(4, LogLevel.Information, "AMQP channel {Channel} of {Remote} closed with error: {ReplyText}")]
    public static partial void ChannelError(ILogger logger, EndPoint? remote, ushort channel, string replyText);

    [LoggerMessage(5, LogLevel.Warning, "AMQP login refused for user '{User}' from {Remote} (mechanism {Mechanism})")]
    public static partial void LoginRefused(ILogger logger, EndPoint? remote, string user, string mechanism);

    [LoggerMessage(6, LogLevel.Warning, "AMQP connection from {Remote}: missed heartbeats, no frame for {Seconds} s; closing")]
    public static partial void MissedHeartbeats(ILogger logger, EndPoint? remote, int seconds);

    [LoggerMessage(7, LogLevel.Error, "AMQP connection from {Remote} failed unexpectedly")]
    public static partial void UnexpectedError(ILogger logger, EndPoint? remote, Exception exception);

    [LoggerMessage(8, LogLevel.Information, "AMQP connection from {Remote}: user '{User}' updated its secret ({Reason})")]
    public static partial void SecretUpdated(ILogger logger, EndPoint? remote, string user, string reason);
}
