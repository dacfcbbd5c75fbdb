using System.Buffers;

namespace Tidings.Mqtt.Protocol;

/// <summary>A decoded CONNECT. Byte fields are slices of the receive buffer: copy what you keep.</summary>
public sealed class MqttConnectPacket
{
    /// <summary>Level 3 (3.1, "MQIsdp"), 4 (3.1.1) or 5 (5.0).</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; }
    /// <summary>Clean Session (3.1.1) / Clean Start (5.0).</summary>
    public bool CleanStart { get; init; }
    /// <summary>Keep alive in seconds; 0 = off.</summary>
    public ushort KeepAlive { get; init; }
    /// <summary>Client identifier; may be empty (what to do then is the session layer's call).</summary>
    public required string ClientId { get; init; }
    /// <summary>5.0 CONNECT properties; null when none.</summary>
    public MqttProperties? Properties { get; init; }
    /// <summary>The will, when the Will Flag is set.</summary>
    public MqttWill? Will { get; init; }
    /// <summary>User name, when the User Name Flag is set.</summary>
    public string? UserName { get; init; }
    /// <summary>True when the Password Flag is set (the password may still be empty).</summary>
    public bool HasPassword { get; init; }
    /// <summary>Password bytes (binary data, not necessarily UTF-8).</summary>
    public ReadOnlySequence<byte> Password { get; init; }
}
