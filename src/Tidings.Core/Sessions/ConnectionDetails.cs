namespace Tidings.Core.Sessions;

/// <summary>What the protocol adapter negotiated with a client, shown in connection listings.</summary>
public sealed class ConnectionDetails
{
    /// <summary>e.g. "PLAIN", "AMQPLAIN".</summary>
    public string? AuthMechanism { get; set; }
    public uint FrameMax { get; set; }
    public int ChannelMax { get; set; }
    /// <summary>Heartbeat interval in seconds (0 = off).</summary>
    public int HeartbeatSeconds { get; set; }
    /// <summary>The broker's local endpoint, e.g. 127.0.0.1:5672.</summary>
    public System.Net.EndPoint? LocalEndPoint { get; set; }
    /// <summary>True while the connection is blocked by a resource alarm.</summary>
    public bool Blocked { get; set; }
}
