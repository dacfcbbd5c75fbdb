namespace Tidings.Amqp.Protocol;

/// <summary>
/// A valid frame where it may not appear, e.g. a heartbeat on a channel other than 0 or a body
/// frame without a content header. Reply code 505 UNEXPECTED_FRAME (a connection error).
/// </summary>
public sealed class AmqpUnexpectedFrameException : AmqpProtocolException
{
    /// <summary>Creates the 505 error with <paramref name="explanation"/>.</summary>
    public AmqpUnexpectedFrameException(string explanation)
        : base(AmqpReplyCodes.UnexpectedFrame, explanation)
    {
    }
}
