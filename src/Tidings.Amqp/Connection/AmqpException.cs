using Tidings.Amqp.Protocol;
using Tidings.Core;

namespace Tidings.Amqp.Connection;

/// <summary>
/// A protocol error to report to the client. Channel errors close only the channel
/// (<see cref="IsConnectionError"/> false); connection errors close the whole connection.
/// </summary>
internal sealed class AmqpException(ushort replyCode, string replyText, bool isConnectionError,
    ushort classId = 0, ushort methodId = 0) : Exception(replyText)
{
    /// <summary>The AMQP reply code (404, 406, 501, …).</summary>
    public ushort ReplyCode { get; } = replyCode;

    /// <summary>Text in RabbitMQ's format: "NOT_FOUND - no queue 'q' in vhost '/'".</summary>
    public string ReplyText { get; } = replyText;

    public bool IsConnectionError { get; } = isConnectionError;

    /// <summary>The class of the method that failed, when known.</summary>
    public ushort ClassId { get; } = classId;

    /// <summary>The method that failed, when known.</summary>
    public ushort MethodId { get; } = methodId;

    public static AmqpException Channel(ushort code, string text, ushort classId = 0, ushort methodId = 0) =>
        new(code, Format(code, text), false, classId, methodId);

    public static AmqpException Connection(ushort code, string text, ushort classId = 0, ushort methodId = 0) =>
        new(code, Format(code, text), true, classId, methodId);

    /// <summary>Prefixes the condition name and cuts to 255 bytes (shortstr), as RabbitMQ does.</summary>
    public static string Format(ushort code, string text) => AmqpReplyCodes.FormatReplyText(code, text);

    /// <summary>Maps a core refusal to the AMQP error RabbitMQ raises for it.</summary>
    public static AmqpException FromBroker(BrokerException e, ushort classId, ushort methodId) => e.Error switch
    {
        BrokerError.NotFound => Channel(AmqpReplyCodes.NotFound, e.Message, classId, methodId),
        BrokerError.AccessRefused => Channel(AmqpReplyCodes.AccessRefused, e.Message, classId, methodId),
        BrokerError.ResourceLocked => Channel(AmqpReplyCodes.ResourceLocked, e.Message, classId, methodId),
        BrokerError.PreconditionFailed => Channel(AmqpReplyCodes.PreconditionFailed, e.Message, classId, methodId),
        BrokerError.NotAllowed => Connection(AmqpReplyCodes.NotAllowed, e.Message, classId, methodId),
        BrokerError.NotImplemented => Connection(AmqpReplyCodes.NotImplemented, e.Message, classId, methodId),
        _ => Connection(AmqpReplyCodes.ResourceError, e.Message, classId, methodId),
    };

    /// <summary>Maps a codec error (bad frame, bad field) to a connection error with its code.</summary>
    public static AmqpException FromProtocol(AmqpProtocolException e, ushort classId = 0, ushort methodId = 0) =>
        new(e.ReplyCode, e.ReplyText, isConnectionError: true, classId, methodId);

    public AmqpException WithMethod(ushort classId, ushort methodId) =>
        ClassId != 0 ? this : new AmqpException(ReplyCode, ReplyText, IsConnectionError, classId, methodId);
}
