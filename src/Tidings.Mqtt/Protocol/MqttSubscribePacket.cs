namespace Tidings.Mqtt.Protocol;

/// <summary>A decoded SUBSCRIBE: at least one filter.</summary>
public sealed class MqttSubscribePacket
{
    /// <summary>Non-zero packet identifier.</summary>
    public ushort PacketId { get; init; }
    /// <summary>5.0 properties (one Subscription Identifier, user properties); null when none.</summary>
    public MqttProperties? Properties { get; init; }
    /// <summary>The filters in order (SUBACK answers in the same order).</summary>
    public required IReadOnlyList<MqttSubscription> Subscriptions { get; init; }
}
