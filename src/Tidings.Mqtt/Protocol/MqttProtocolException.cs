namespace Tidings.Mqtt.Protocol;

/// <summary>
/// A received packet that the server must not accept. <see cref="ReasonCode"/> is what a 5.0 server
/// sends in DISCONNECT (or CONNACK, when the packet was CONNECT) before closing; a 3.1.1 server just
/// closes (for CONNECT, <see cref="MqttConnAckCodes.ToV311"/> says whether a CONNACK goes first).
/// Usually <see cref="MqttReasonCode.MalformedPacket"/> (the bytes do not parse as the specification
/// says) or <see cref="MqttReasonCode.ProtocolError"/> (they parse but break a rule); also
/// <see cref="MqttReasonCode.PacketTooLarge"/>, <see cref="MqttReasonCode.TopicNameInvalid"/> and
/// <see cref="MqttReasonCode.UnsupportedProtocolVersion"/>.
/// </summary>
public sealed class MqttProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">The 5.0 reason code to report.</param>
    /// <param name="reason">A short human explanation (fits a Reason String).</param>
    public MqttProtocolException(MqttReasonCode reasonCode, string reason)
        : base(reason)
    {
        ReasonCode = reasonCode;
    }

    /// <summary>The 5.0 reason code to report.</summary>
    public MqttReasonCode ReasonCode { get; }

    /// <summary>True for <see cref="MqttReasonCode.MalformedPacket"/>.</summary>
    public bool IsMalformed => ReasonCode == MqttReasonCode.MalformedPacket;

    internal static MqttProtocolException Malformed(string reason) => new(MqttReasonCode.MalformedPacket, reason);

    internal static MqttProtocolException Protocol(string reason) => new(MqttReasonCode.ProtocolError, reason);
}
