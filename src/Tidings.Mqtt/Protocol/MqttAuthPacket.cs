namespace Tidings.Mqtt.Protocol;

/// <summary>A decoded AUTH (5.0 only).</summary>
public sealed class MqttAuthPacket
{
    /// <summary>Success, Continue authentication or Re-authenticate.</summary>
    public MqttReasonCode ReasonCode { get; init; }
    /// <summary>Authentication method and data, reason string, user properties; null when none.</summary>
    public MqttProperties? Properties { get; init; }
}
