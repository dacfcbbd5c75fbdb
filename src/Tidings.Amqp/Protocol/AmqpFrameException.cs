namespace Tidings.Amqp.Protocol;

/// <summary>
/// A frame that cannot be decoded: bad frame-end octet, payload above frame-max, unknown frame
/// type or a payload too short for its type. Reply code 501 FRAME_ERROR (a connection error).
/// </summary>
public sealed class AmqpFrameException : AmqpProtocolException
{
    /// <summary>Creates the 501 error with <paramref name="explanation"/>.</summary>
    public AmqpFrameException(string explanation)
        : base(AmqpReplyCodes.FrameError, explanation)
    {
    }
}
