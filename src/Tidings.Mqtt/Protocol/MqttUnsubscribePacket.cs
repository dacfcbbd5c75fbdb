namespace Tidings.Mqtt.Protocol;

/// <summary>A decoded UNSUBSCRIBE: at least one filter.</summary>
public sealed class MqttUnsubscribePacket
{
    /// <summary>Non-zero packet identifier.</summary>
    public ushort PacketId { get; init; }
    /// <summary>5.0 properties (user properties only); null when none.</summary>
    public MqttProperties? Properties { get; init; }
    /// <summary>The filters in order (UNSUBACK answers in the same order).</summary>
    public required IReadOnlyList<string> Filters { get; init; }
}
