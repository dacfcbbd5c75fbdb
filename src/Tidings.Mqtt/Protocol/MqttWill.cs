using System.Buffers;

namespace Tidings.Mqtt.Protocol;

/// <summary>The will message of a CONNECT. <see cref="Payload"/> is a slice of the receive buffer.</summary>
public sealed class MqttWill
{
    /// <summary>Topic name (checked: valid UTF-8, no wildcards, not empty).</summary>
    public required string Topic { get; init; }
    /// <summary>Will payload; copy it before the receive buffer is advanced.</summary>
    public ReadOnlySequence<byte> Payload { get; init; }
    /// <summary>Will QoS (0..2).</summary>
    public MqttQos Qos { get; init; }
    /// <summary>Will retain flag.</summary>
    public bool Retain { get; init; }
    /// <summary>5.0 will properties; null when none.</summary>
    public MqttProperties? Properties { get; init; }
}
