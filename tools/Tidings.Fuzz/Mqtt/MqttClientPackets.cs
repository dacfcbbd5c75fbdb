using Tidings.Mqtt.Protocol;

namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// The packets a client sends, built by hand from the MQTT layouts (the broker has only a server
/// side writer, and an encoder of our own can be told to break rules). 3.1 and 3.1.1 packets get
/// no property block; 5.0 ones always do, so the mutator has one to work on.
/// </summary>
internal static class MqttClientPackets
{
    /// <summary>What CONNECT can carry besides the client id; every field optional.</summary>
    internal sealed record ConnectOptions
    {
        public bool CleanStart { get; init; } = true;
        public ushort KeepAlive { get; init; } = 60;
        public string? UserName { get; init; }
        public byte[]? Password { get; init; }
        public string? WillTopic { get; init; }
        public byte[] WillPayload { get; init; } = [];
        public MqttQos WillQos { get; init; }
        public bool WillRetain { get; init; }
        public byte[][] WillProperties { get; init; } = [];
        public byte[][] Properties { get; init; } = [];
    }

    public static MqttWirePacket Connect(MqttProtocolVersion version, string clientId, ConnectOptions? options = null)
    {
        options ??= new ConnectOptions();
        bool v5 = version == MqttProtocolVersion.V500;
        byte flags = 0;
        if (options.UserName is not null) flags |= 0x80;
        if (options.Password is not null) flags |= 0x40;
        if (options.WillTopic is not null) flags |= (byte)(0x04 | ((int)options.WillQos << 3) | (options.WillRetain ? 0x20 : 0));
        if (options.CleanStart) flags |= 0x02;
        var head = new List<byte>();
        head.AddRange(String(version == MqttProtocolVersion.V310 ? "MQIsdp" : "MQTT"));
        head.Add((byte)version);
        head.Add(flags);
        head.AddRange(UInt16(options.KeepAlive));
        var payload = new List<byte>(String(clientId));
        if (options.WillTopic is not null)
        {
            if (v5) payload.AddRange(MqttProperty.Block(options.WillProperties));
            payload.AddRange(String(options.WillTopic));
            payload.AddRange(Binary(options.WillPayload));
        }
        if (options.UserName is not null) payload.AddRange(String(options.UserName));
        if (options.Password is not null) payload.AddRange(Binary(options.Password));
        return new MqttWirePacket(0x10, [.. head], v5 ? [.. options.Properties] : null, [.. payload]);
    }

    public static MqttWirePacket Publish(MqttProtocolVersion version, string topic, byte[] payload, MqttQos qos = MqttQos.AtMostOnce,
        ushort packetId = 0, bool retain = false, bool dup = false, params byte[][] properties)
    {
        byte first = (byte)(0x30 | (dup ? 0x08 : 0) | ((int)qos << 1) | (retain ? 0x01 : 0));
        byte[] head = qos == MqttQos.AtMostOnce ? String(topic) : [.. String(topic), .. UInt16(packetId)];
        return new MqttWirePacket(first, head, Properties(version, properties), payload);
    }

    /// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP; a 5.0 one with a reason code and properties (the long form).</summary>
    public static MqttWirePacket Ack(MqttProtocolVersion version, MqttPacketType type, ushort packetId, byte reason = 0, params byte[][] properties)
    {
        byte first = (byte)(((int)type << 4) | (type == MqttPacketType.PubRel ? 0b0010 : 0));
        bool v5 = version == MqttProtocolVersion.V500;
        return new MqttWirePacket(first, v5 ? [.. UInt16(packetId), reason] : UInt16(packetId), Properties(version, properties));
    }

    /// <summary>One filter with its subscription options byte (5.0: QoS, No Local, Retain As Published, Retain Handling).</summary>
    public static byte[] Filter(string filter, byte options) => [.. String(filter), options];

    public static MqttWirePacket Subscribe(MqttProtocolVersion version, ushort packetId, byte[][] filters, params byte[][] properties) =>
        new(0x82, UInt16(packetId), Properties(version, properties), [.. filters.SelectMany(f => f)]);

    public static MqttWirePacket Unsubscribe(MqttProtocolVersion version, ushort packetId, string[] filters, params byte[][] properties) =>
        new(0xA2, UInt16(packetId), Properties(version, properties), [.. filters.SelectMany(String)]);

    public static MqttWirePacket PingRequest() => new(0xC0, []);

    public static MqttWirePacket Disconnect(MqttProtocolVersion version, byte reason = 0, params byte[][] properties) =>
        version == MqttProtocolVersion.V500 ? new MqttWirePacket(0xE0, [reason], [.. properties]) : new MqttWirePacket(0xE0, []);

    /// <summary>AUTH exists in 5.0 only; a 3.1.1 client sending type 15 is the mutator's business.</summary>
    public static MqttWirePacket Auth(byte reason, params byte[][] properties) => new(0xF0, [reason], [.. properties]);

    public static byte[] UInt16(ushort value) => [(byte)(value >> 8), (byte)value];

    public static byte[] String(string value) => Binary(MqttProperty.Utf8(value));

    public static byte[] Binary(byte[] value) => [.. UInt16((ushort)value.Length), .. value];

    private static List<byte[]>? Properties(MqttProtocolVersion version, byte[][] entries) =>
        version == MqttProtocolVersion.V500 ? [.. entries] : null;
}
