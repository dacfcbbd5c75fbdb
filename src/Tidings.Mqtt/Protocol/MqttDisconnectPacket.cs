namespace Tidings.Mqtt.Protocol;

/// <summary>A decoded DISCONNECT. In 3.1.1 always <see cref="MqttReasonCode.Success"/> without properties.</summary>
public sealed class MqttDisconnectPacket
{
    /// <summary>Normal disconnection when absent.</summary>
    public MqttReasonCode ReasonCode { get; init; }
    /// <summary>5.0 properties (session expiry, reason string, user properties, server reference); null when none.</summary>
    public MqttProperties? Properties { get; init; }
}
