namespace Tidings.Amqp.Protocol;

/// <summary>
/// The peer broke the protocol. Carries the AMQP reply code the connection (hard error) or
/// channel (soft error) is to be closed with; <see cref="Exception.Message"/> is the explanation
/// without the code name, <see cref="ReplyText"/> the text RabbitMQ would send.
/// </summary>
public class AmqpProtocolException : Exception
{
    /// <summary>Creates the exception for <paramref name="replyCode"/> with an explanation such as "no queue 'q1' in vhost '/'".</summary>
    public AmqpProtocolException(ushort replyCode, string explanation)
        : base(explanation)
    {
        ReplyCode = replyCode;
    }

    /// <summary>Creates the exception for <paramref name="replyCode"/>, keeping the exception that revealed the problem.</summary>
    public AmqpProtocolException(ushort replyCode, string explanation, Exception? innerException)
        : base(explanation, innerException)
    {
        ReplyCode = replyCode;
    }

    /// <summary>The AMQP reply code, e.g. 501 FRAME_ERROR or 502 SYNTAX_ERROR.</summary>
    public ushort ReplyCode { get; }

    /// <summary>True when the code calls for closing the whole connection rather than one channel.</summary>
    public bool IsHardError => AmqpReplyCodes.IsHardError(ReplyCode);

    /// <summary>The reply text as RabbitMQ formats it: <c>"SYNTAX_ERROR - explanation"</c>, at most 255 bytes.</summary>
    public string ReplyText => AmqpReplyCodes.FormatReplyText(ReplyCode, Message);
}
