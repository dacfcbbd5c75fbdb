namespace Tidings.Mqtt.Protocol;

/// <summary>Where a property block sits: the packet (or the will) whose allowed set applies.</summary>
[Flags]
public enum MqttPropertyContext : ushort
{
    /// <summary>No context.</summary>
    None = 0,
    /// <summary>CONNECT's variable header.</summary>
    Connect = 1 << 0,
    /// <summary>CONNACK.</summary>
    ConnAck = 1 << 1,
    /// <summary>PUBLISH.</summary>
    Publish = 1 << 2,
    /// <summary>The will properties in CONNECT's payload.</summary>
    Will = 1 << 3,
    /// <summary>PUBACK, PUBREC, PUBREL and PUBCOMP (the same set).</summary>
    PublishAck = 1 << 4,
    /// <summary>SUBSCRIBE.</summary>
    Subscribe = 1 << 5,
    /// <summary>SUBACK.</summary>
    SubAck = 1 << 6,
    /// <summary>UNSUBSCRIBE.</summary>
    Unsubscribe = 1 << 7,
    /// <summary>UNSUBACK.</summary>
    UnsubAck = 1 << 8,
    /// <summary>DISCONNECT.</summary>
    Disconnect = 1 << 9,
    /// <summary>AUTH.</summary>
    Auth = 1 << 10,
    /// <summary>Every context.</summary>
    All = Connect | ConnAck | Publish | Will | PublishAck | Subscribe | SubAck | Unsubscribe | UnsubAck | Disconnect | Auth,
}
