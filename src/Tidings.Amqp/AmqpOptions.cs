namespace Tidings.Amqp;

/// <summary>Settings of the AMQP 0-9-1 listener (configuration section Tidings:Amqp).</summary>
public sealed class AmqpOptions
{
    /// <summary>Address to listen on; loopback by default.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port (5672 is AMQP's standard port; 0 picks a free one).</summary>
    public int Port { get; set; } = 5672;

    /// <summary>Largest frame the server accepts and offers in connection.tune (RabbitMQ's default).</summary>
    public uint FrameMax { get; set; } = 131072;

    /// <summary>Most channels per connection offered in connection.tune.</summary>
    public ushort ChannelMax { get; set; } = 2047;

    /// <summary>Heartbeat interval in seconds offered in connection.tune (0 disables).</summary>
    public ushort HeartbeatSeconds { get; set; } = 60;

    /// <summary>How long a new connection may take to finish the handshake.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes of outgoing frames a connection may hold before its consumers are paused until the
    /// socket drains (TCP back-pressure for slow consumers, including no-ack ones).
    /// </summary>
    public int MaxPendingOutputBytes { get; set; } = 4 * 1024 * 1024;
}
