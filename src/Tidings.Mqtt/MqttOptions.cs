namespace Tidings.Mqtt;

/// <summary>Settings of the MQTT listener (configuration section Tidings:Mqtt), named after RabbitMQ's mqtt.* settings where one exists.</summary>
public sealed class MqttOptions
{
    /// <summary>Address to listen on; loopback by default.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port (1883 is MQTT's standard port; 0 picks a free one).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Path of MQTT over WebSocket (subprotocol <c>mqtt</c>) on the HTTP listener's port; empty for
    /// none. RabbitMQ's web_mqtt plugin serves <c>/ws</c> on a port of its own; Tidings shares the HTTP port.
    /// </summary>
    public string WebSocketPath { get; set; } = "/mqtt";

    /// <summary>The topic exchange MQTT publishes go to and subscriptions bind to (RabbitMQ's mqtt.exchange).</summary>
    public string Exchange { get; set; } = "amq.topic";

    /// <summary>Virtual host of a client whose user name does not name one as <c>vhost:user</c> (mqtt.vhost).</summary>
    public string DefaultVirtualHost { get; set; } = "/";

    /// <summary>
    /// A CONNECT without a user name logs in as <see cref="AnonymousUser"/> (mqtt.allow_anonymous,
    /// on by default as in RabbitMQ); off: such a client gets CONNACK 0x86 / 4.
    /// </summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>User an anonymous client logs in as (mqtt.default_user); guest may still only connect from loopback.</summary>
    public string AnonymousUser { get; set; } = "guest";

    /// <summary>Password of <see cref="AnonymousUser"/> (mqtt.default_pass).</summary>
    public string AnonymousPassword { get; set; } = "guest";

    /// <summary>Largest packet a client may send, fixed header included (bigger: DISCONNECT 0x95 and close); also sent as Maximum Packet Size in 5.0.</summary>
    public int MaxPacketSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>QoS 1 and 2 publishes a client may have unacknowledged (5.0 Receive Maximum in CONNACK; more: DISCONNECT 0x93).</summary>
    public ushort ReceiveMaximum { get; set; } = 1024;

    /// <summary>
    /// Topic Aliases a 5.0 client may set on one connection (Topic Alias Maximum in CONNACK; 0 =
    /// none; using alias 0 or one above it is DISCONNECT 0x94). RabbitMQ's default is 16.
    /// </summary>
    public ushort TopicAliasMaximum { get; set; } = 16;

    /// <summary>
    /// Most aliases the broker uses towards one 5.0 client, never above the Topic Alias Maximum the
    /// client sent in CONNECT (0 = the broker never sends aliases).
    /// </summary>
    public ushort OutboundTopicAliasMaximum { get; set; } = 16;

    /// <summary>
    /// Most QoS 1 and 2 deliveries unacknowledged by one client (mqtt.prefetch); a 5.0 client's
    /// smaller Receive Maximum wins. RabbitMQ's default is 10 and Mosquitto's 20; Tidings' is 100,
    /// because a QoS 1 subscriber's rate is this window per round trip (measured 1 → 1: 13k msg/s
    /// at 10, 75k at 100; docs/BENCHMARKS.md), and a redelivery after a lost connection is the only cost.
    /// </summary>
    public ushort Prefetch { get; set; } = 100;

    /// <summary>
    /// Longest time a persistent session is kept after its client disconnects, in seconds
    /// (mqtt.max_session_expiry_interval_seconds): caps a 5.0 Session Expiry Interval and is the
    /// expiry of every 3.1.1 clean-session=0 session.
    /// </summary>
    public uint MaxSessionExpirySeconds { get; set; } = 86400;

    /// <summary>How long a new connection may take to send CONNECT.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes of outgoing packets a connection may hold before its deliveries pause until the socket drains.</summary>
    public int MaxPendingOutputBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Where retained messages are kept: true on disk under the broker's data directory
    /// (<c>mqtt-retained/&lt;vhost&gt;/</c>), false in memory only; null (default) follows the broker:
    /// on disk when it stores persistent messages.
    /// </summary>
    public bool? RetainedOnDisk { get; set; }

    /// <summary>Largest retained message (payload, topic and properties) a vhost's store accepts, in bytes; null for no limit.</summary>
    public long? RetainedMaxMessageBytes { get; set; }

    /// <summary>Most topics with a retained message per vhost; null for no limit (a retain beyond it: 5.0 PUBACK 0x97, still routed).</summary>
    public int? RetainedMaxCount { get; set; }

    /// <summary>Most bytes of retained messages per vhost (they are all held in memory); null for no limit.</summary>
    public long? RetainedMaxTotalBytes { get; set; }
}
