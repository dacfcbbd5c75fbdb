using System.Buffers;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Turns packets a client sent (cut by <see cref="MqttPacketReader"/>) into typed packets, checking
/// every rule the packet alone can show. One per connection: create it with the version CONNECT
/// named (<see cref="DecodeConnect"/> is static because the version is not known before). Holds a
/// small topic-name cache, so it is not thread-safe; the receive loop owns it.
/// </summary>
public sealed class MqttPacketDecoder
{
    // Recently seen PUBLISH topic names, so a repeated topic costs no string and no re-validation.
    private readonly MqttTopicCache _topics = new();

    /// <summary>Creates a decoder for a connection that negotiated <paramref name="version"/>.</summary>
    public MqttPacketDecoder(MqttProtocolVersion version)
    {
        Version = version;
    }

    /// <summary>The connection's protocol version.</summary>
    public MqttProtocolVersion Version { get; }

    private bool IsV5 => Version == MqttProtocolVersion.V500;

    /// <summary>Decodes CONNECT, which names the version for the rest of the connection.</summary>
    /// <exception cref="MqttProtocolException">
    /// <see cref="MqttReasonCode.UnsupportedProtocolVersion"/>: a protocol level other than 3, 4, 5 or a
    /// name that does not go with it. Malformed: reserved flag, will QoS 3, will QoS/retain without the
    /// will flag, a 3.x password without a user name, bad strings, trailing bytes. Protocol error:
    /// properties not allowed or repeated. <see cref="MqttReasonCode.TopicNameInvalid"/>: a will topic
    /// with wildcards or empty.
    /// </exception>
    public static MqttConnectPacket DecodeConnect(in MqttPacket packet)
    {
        Expect(packet, MqttPacketType.Connect);
        var r = new MqttBodyReader(packet.Body, "CONNECT");
        string name = r.ReadString("protocol name");
        byte level = r.ReadByte("protocol level");
        var version = (name, level) switch
        {
            ("MQTT", 4) => MqttProtocolVersion.V311,
            ("MQTT", 5) => MqttProtocolVersion.V500,
            ("MQIsdp", 3) => MqttProtocolVersion.V310,
            ("MQTT" or "MQIsdp", _) => throw new MqttProtocolException(MqttReasonCode.UnsupportedProtocolVersion, $"CONNECT: protocol '{name}' level {level} is not supported"),
            _ => throw MqttProtocolException.Protocol($"CONNECT: unknown protocol name '{name}'"),
        };
        bool v5 = version == MqttProtocolVersion.V500;

        byte flags = r.ReadByte("connect flags");
        if ((flags & 0x01) != 0)
        {
            throw MqttProtocolException.Malformed("CONNECT: reserved connect flag is set");
        }

        bool hasUserName = (flags & 0x80) != 0;
        bool hasPassword = (flags & 0x40) != 0;
        bool willRetain = (flags & 0x20) != 0;
        int willQos = (flags >> 3) & 0x03;
        bool hasWill = (flags & 0x04) != 0;
        bool cleanStart = (flags & 0x02) != 0;
        if (willQos == 3)
        {
            throw MqttProtocolException.Malformed("CONNECT: will QoS 3");
        }

        if (!hasWill && (willQos != 0 || willRetain))
        {
            throw MqttProtocolException.Malformed("CONNECT: will QoS or will retain set without the will flag");
        }

        if (!v5 && hasPassword && !hasUserName)
        {
            throw MqttProtocolException.Malformed("CONNECT: password flag without user name flag");
        }

        ushort keepAlive = r.ReadUInt16("keep alive");
        var properties = v5 ? MqttPropertiesReader.Read(ref r, MqttPropertyContext.Connect) : null;
        string clientId = r.ReadString("client identifier");

        MqttWill? will = null;
        if (hasWill)
        {
            var willProperties = v5 ? MqttPropertiesReader.Read(ref r, MqttPropertyContext.Will) : null;
            string willTopic = r.ReadString("will topic");
            CheckTopicName(willTopic, "CONNECT: will topic");
            will = new MqttWill
            {
                Topic = willTopic,
                Payload = r.ReadBinary("will payload"),
                Qos = (MqttQos)willQos,
                Retain = willRetain,
                Properties = willProperties,
            };
        }

        string? userName = hasUserName ? r.ReadString("user name") : null;
        var password = hasPassword ? r.ReadBinary("password") : default;
        r.ExpectEnd();
        return new MqttConnectPacket
        {
            ProtocolVersion = version,
            CleanStart = cleanStart,
            KeepAlive = keepAlive,
            ClientId = clientId,
            Properties = properties,
            Will = will,
            UserName = userName,
            HasPassword = hasPassword,
            Password = password,
        };
    }

    /// <summary>Decodes a PUBLISH from the client. Allocates nothing for a cached topic without properties.</summary>
    /// <exception cref="MqttProtocolException">
    /// Malformed: bad topic UTF-8, truncated fields. Protocol error: packet id 0 with QoS &gt; 0, an empty
    /// topic without a Topic Alias (or in 3.x), properties not allowed or repeated, a Subscription
    /// Identifier (only servers send those). <see cref="MqttReasonCode.TopicNameInvalid"/>: wildcards.
    /// </exception>
    public MqttPublishPacket DecodePublish(in MqttPacket packet)
    {
        Expect(packet, MqttPacketType.Publish);
        var r = new MqttBodyReader(packet.Body, "PUBLISH");
        var topicBytes = r.ReadBinary("topic name");
        string topic = DecodeTopic(topicBytes);

        var qos = (MqttQos)((packet.Flags >> 1) & 0x03);
        ushort packetId = 0;
        if (qos != MqttQos.AtMostOnce)
        {
            packetId = ReadPacketId(ref r);
        }

        MqttProperties? properties = null;
        if (IsV5)
        {
            properties = MqttPropertiesReader.Read(ref r, MqttPropertyContext.Publish);
            if (properties?.SubscriptionIdentifiers is not null)
            {
                throw MqttProtocolException.Protocol("PUBLISH: a client may not send a subscription identifier");
            }
        }

        if (topic.Length == 0 && properties?.TopicAlias is null)
        {
            throw MqttProtocolException.Protocol(IsV5 ? "PUBLISH: empty topic name without a topic alias" : "PUBLISH: empty topic name");
        }

        var payload = r.ReadRest();
        return new MqttPublishPacket(topic, qos, packetId, payload, retain: (packet.Flags & 0x01) != 0, dup: (packet.Flags & 0x08) != 0, properties);
    }

    /// <summary>Decodes PUBACK, PUBREC, PUBREL or PUBCOMP (the 5.0 short forms included).</summary>
    /// <exception cref="MqttProtocolException">
    /// Malformed: wrong length (3.x: exactly 2), a reason code the packet does not define. Protocol
    /// error: packet id 0, properties not allowed or repeated.
    /// </exception>
    public MqttPublishAckPacket DecodePublishAck(in MqttPacket packet)
    {
        if (packet.Type is not (MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp))
        {
            throw new ArgumentException($"{packet.Type} is not a publish acknowledgement", nameof(packet));
        }

        string name = packet.Type.ToString().ToUpperInvariant();
        var r = new MqttBodyReader(packet.Body, name);
        if (!IsV5 && packet.Body.Length != 2)
        {
            throw MqttProtocolException.Malformed($"{name}: remaining length {packet.Body.Length} (must be 2)");
        }

        ushort packetId = ReadPacketId(ref r);
        var reason = MqttReasonCode.Success;
        MqttProperties? properties = null;
        if (!r.End)
        {
            reason = ReadReason(ref r, packet.Type, name);
            if (!r.End)
            {
                properties = MqttPropertiesReader.Read(ref r, MqttPropertyContext.PublishAck);
            }
        }

        r.ExpectEnd();
        return new MqttPublishAckPacket(packet.Type, packetId, reason, properties);
    }

    /// <summary>Decodes SUBSCRIBE.</summary>
    /// <exception cref="MqttProtocolException">
    /// Malformed: bad options byte (see <see cref="MqttSubscriptionOptions.Parse"/>), bad UTF-8. Protocol
    /// error: packet id 0, no filter, properties not allowed or repeated, No Local on a shared subscription.
    /// </exception>
    public MqttSubscribePacket DecodeSubscribe(in MqttPacket packet)
    {
        Expect(packet, MqttPacketType.Subscribe);
        var r = new MqttBodyReader(packet.Body, "SUBSCRIBE");
        ushort packetId = ReadPacketId(ref r);
        var properties = IsV5 ? MqttPropertiesReader.Read(ref r, MqttPropertyContext.Subscribe) : null;
        var subscriptions = new List<MqttSubscription>(1);
        while (!r.End)
        {
            string filter = r.ReadString("topic filter");
            var options = MqttSubscriptionOptions.Parse(r.ReadByte("subscription options"), Version);
            if (options.NoLocal && filter.StartsWith(MqttSharedSubscription.Prefix, StringComparison.Ordinal))
            {
                throw MqttProtocolException.Protocol($"SUBSCRIBE: No Local on shared subscription '{filter}'");
            }

            subscriptions.Add(new MqttSubscription(filter, options));
        }

        if (subscriptions.Count == 0)
        {
            throw MqttProtocolException.Protocol("SUBSCRIBE without a topic filter");
        }

        return new MqttSubscribePacket { PacketId = packetId, Properties = properties, Subscriptions = subscriptions };
    }

    /// <summary>Decodes UNSUBSCRIBE.</summary>
    /// <exception cref="MqttProtocolException">Malformed: bad UTF-8. Protocol error: packet id 0, no filter, properties not allowed.</exception>
    public MqttUnsubscribePacket DecodeUnsubscribe(in MqttPacket packet)
    {
        Expect(packet, MqttPacketType.Unsubscribe);
        var r = new MqttBodyReader(packet.Body, "UNSUBSCRIBE");
        ushort packetId = ReadPacketId(ref r);
        var properties = IsV5 ? MqttPropertiesReader.Read(ref r, MqttPropertyContext.Unsubscribe) : null;
        var filters = new List<string>(1);
        while (!r.End)
        {
            filters.Add(r.ReadString("topic filter"));
        }

        if (filters.Count == 0)
        {
            throw MqttProtocolException.Protocol("UNSUBSCRIBE without a topic filter");
        }

        return new MqttUnsubscribePacket { PacketId = packetId, Properties = properties, Filters = filters };
    }

    /// <summary>Decodes DISCONNECT (3.x: empty; 5.0: optional reason and properties).</summary>
    /// <exception cref="MqttProtocolException">Malformed: a 3.x body, an undefined reason code. Protocol error: properties not allowed or repeated.</exception>
    public MqttDisconnectPacket DecodeDisconnect(in MqttPacket packet)
    {
        Expect(packet, MqttPacketType.Disconnect);
        if (!IsV5)
        {
            return packet.Body.Length == 0
                ? new MqttDisconnectPacket()
                : throw MqttProtocolException.Malformed($"DISCONNECT: remaining length {packet.Body.Length} (must be 0)");
        }

        var r = new MqttBodyReader(packet.Body, "DISCONNECT");
        var reason = r.End ? MqttReasonCode.Success : ReadReason(ref r, MqttPacketType.Disconnect, "DISCONNECT");
        var properties = r.End ? null : MqttPropertiesReader.Read(ref r, MqttPropertyContext.Disconnect);
        r.ExpectEnd();
        return new MqttDisconnectPacket { ReasonCode = reason, Properties = properties };
    }

    /// <summary>Decodes AUTH (5.0 only).</summary>
    /// <exception cref="MqttProtocolException">Malformed: AUTH in 3.x (a reserved type), an undefined reason code. Protocol error: properties not allowed or repeated.</exception>
    public MqttAuthPacket DecodeAuth(in MqttPacket packet)
    {
        Expect(packet, MqttPacketType.Auth);
        if (!IsV5)
        {
            throw MqttProtocolException.Malformed("packet type 15 is reserved before MQTT 5.0");
        }

        var r = new MqttBodyReader(packet.Body, "AUTH");
        var reason = r.End ? MqttReasonCode.Success : ReadReason(ref r, MqttPacketType.Auth, "AUTH");
        var properties = r.End ? null : MqttPropertiesReader.Read(ref r, MqttPropertyContext.Auth);
        r.ExpectEnd();
        return new MqttAuthPacket { ReasonCode = reason, Properties = properties };
    }

    /// <summary>
    /// Throws when a client may not send <paramref name="type"/> at all: CONNACK, SUBACK, UNSUBACK and
    /// PINGRESP are server packets (protocol error), AUTH before 5.0 is reserved (malformed).
    /// </summary>
    public void CheckClientMaySend(MqttPacketType type)
    {
        switch (type)
        {
            case MqttPacketType.ConnAck or MqttPacketType.SubAck or MqttPacketType.UnsubAck or MqttPacketType.PingResp:
                throw MqttProtocolException.Protocol($"{type} is sent by servers only");
            case MqttPacketType.Auth when !IsV5:
                throw MqttProtocolException.Malformed("packet type 15 is reserved before MQTT 5.0");
        }
    }

    private string DecodeTopic(ReadOnlySequence<byte> bytes)
    {
        if (!bytes.IsSingleSegment)
        {
            string decoded = MqttUtf8.Decode(bytes.ToArray(), "PUBLISH topic name");
            CheckTopicName(decoded, "PUBLISH topic name", allowEmpty: true);
            return decoded;
        }

        var span = bytes.FirstSpan;
        if (_topics.Find(span) is { } cached)
        {
            return cached;
        }

        MqttUtf8.Check(span, "PUBLISH topic name");
        if (span.IndexOfAny((byte)'+', (byte)'#') >= 0)
        {
            throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, "PUBLISH topic name contains a wildcard");
        }

        return _topics.Add(span);
    }

    private static void CheckTopicName(string topic, string what, bool allowEmpty = false)
    {
        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, $"{what} contains a wildcard");
        }

        if (topic.Length == 0 && !allowEmpty)
        {
            throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, $"{what} is empty");
        }
    }

    private static ushort ReadPacketId(ref MqttBodyReader r)
    {
        ushort id = r.ReadUInt16("packet identifier");
        return id != 0 ? id : throw MqttProtocolException.Protocol($"{r.PacketName}: packet identifier 0");
    }

    // An undefined reason code is malformed, as in Paho's reference codec.
    private static MqttReasonCode ReadReason(ref MqttBodyReader r, MqttPacketType type, string name)
    {
        byte code = r.ReadByte("reason code");
        return MqttReasonCodes.IsValidFor(type, code)
            ? (MqttReasonCode)code
            : throw MqttProtocolException.Malformed($"{name}: reason code 0x{code:X2} is not defined for this packet");
    }

    private static void Expect(in MqttPacket packet, MqttPacketType type)
    {
        if (packet.Type != type)
        {
            throw new ArgumentException($"expected {type}, got {packet.Type}", nameof(packet));
        }
    }
}
