namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Maps CONNACK outcomes between versions. The connection layer decides in 5.0 terms
/// (<see cref="MqttReasonCode"/>) and this says what a 3.1.1 client gets.
/// </summary>
public static class MqttConnAckCodes
{
    /// <summary>
    /// The 3.1.1 return code for a 5.0 CONNACK reason, or null where 3.1.1 has no CONNACK for it and
    /// the server just closes the connection (malformed packet, protocol error).
    /// </summary>
    public static MqttConnectReturnCode? ToV311(MqttReasonCode reason) => reason switch
    {
        MqttReasonCode.Success => MqttConnectReturnCode.Accepted,
        MqttReasonCode.UnsupportedProtocolVersion => MqttConnectReturnCode.UnacceptableProtocolVersion,
        MqttReasonCode.ClientIdentifierNotValid => MqttConnectReturnCode.IdentifierRejected,
        MqttReasonCode.BadUserNameOrPassword or MqttReasonCode.BadAuthenticationMethod => MqttConnectReturnCode.BadUserNameOrPassword,
        MqttReasonCode.NotAuthorized or MqttReasonCode.Banned => MqttConnectReturnCode.NotAuthorized,
        MqttReasonCode.MalformedPacket or MqttReasonCode.ProtocolError => null,
        // Server unavailable, busy, moved, use another server, quota, rate, and the rest:
        // 3.1.1's only "try later" answer.
        _ => MqttConnectReturnCode.ServerUnavailable,
    };

    /// <summary>The 5.0 reason that corresponds to a 3.1.1 return code.</summary>
    public static MqttReasonCode FromV311(MqttConnectReturnCode code) => code switch
    {
        MqttConnectReturnCode.Accepted => MqttReasonCode.Success,
        MqttConnectReturnCode.UnacceptableProtocolVersion => MqttReasonCode.UnsupportedProtocolVersion,
        MqttConnectReturnCode.IdentifierRejected => MqttReasonCode.ClientIdentifierNotValid,
        MqttConnectReturnCode.ServerUnavailable => MqttReasonCode.ServerUnavailable,
        MqttConnectReturnCode.BadUserNameOrPassword => MqttReasonCode.BadUserNameOrPassword,
        MqttConnectReturnCode.NotAuthorized => MqttReasonCode.NotAuthorized,
        _ => MqttReasonCode.UnspecifiedError,
    };
}
