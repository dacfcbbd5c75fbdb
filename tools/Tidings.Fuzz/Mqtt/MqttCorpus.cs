using Tidings.Mqtt.Protocol;
using static Tidings.Fuzz.Mqtt.MqttClientPackets;
using P = Tidings.Mqtt.Protocol.MqttPropertyId;

namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// Valid client sessions in 3.1, 3.1.1 and 5.0. Between them they send every packet a client
/// may: CONNECT with will, credentials and every CONNECT property; SUBSCRIBE with wildcards,
/// $share groups and every subscription option; PUBLISH QoS 0/1/2 with retain, topic aliases
/// and the message properties; the acknowledgements both ways; PINGREQ; UNSUBSCRIBE; DISCONNECT
/// with and without the will; AUTH. Client ids differ per session, so a kept session of one does
/// not take over another's.
/// </summary>
internal static class MqttCorpus
{
    private const MqttProtocolVersion V5 = MqttProtocolVersion.V500;
    private const MqttProtocolVersion V311 = MqttProtocolVersion.V311;

    public static IReadOnlyList<MqttSession> Build() =>
    [
        FullV5(),
        PersistentV5(),
        AliasesAndRetainedV5(),
        AuthV5(),
        AuthMethodInConnectV5(),
        AssignedIdV5(),
        FullV311(),
        PersistentV311(),
        Minimal(MqttProtocolVersion.V310, "fz-31"),
        Minimal(V5, "fz-min5"),
    ];

    /// <summary>CONNECT, a subscription to fz/health/+, one QoS 1 PUBLISH it matches (the health check's first part).</summary>
    public static List<MqttWirePacket> HealthStart() =>
    [
        Connect(V5, "fz-health"),
        Subscribe(V5, 1, [Filter("fz/health/+", 0x01)]),
        Publish(V5, "fz/health/x", "ok"u8.ToArray(), MqttQos.AtLeastOnce, 1),
    ];

    /// <summary>The health check's end, sent once the PUBLISH came back.</summary>
    public static List<MqttWirePacket> HealthEnd() => [PingRequest(), Disconnect(V5)];

    private static MqttSession FullV5()
    {
        var connect = Connect(V5, "fz-full5", new ConnectOptions
        {
            UserName = "guest",
            Password = "guest"u8.ToArray(),
            KeepAlive = 30,
            WillTopic = "fz/will/full5",
            WillPayload = "gone"u8.ToArray(),
            WillQos = MqttQos.AtLeastOnce,
            WillProperties =
            [
                MqttProperty.UInt32(P.WillDelayInterval, 0),
                MqttProperty.Byte(P.PayloadFormatIndicator, 1),
                MqttProperty.UInt32(P.MessageExpiryInterval, 60),
                MqttProperty.String(P.ContentType, "text/plain"),
                MqttProperty.String(P.ResponseTopic, "fz/reply"),
                MqttProperty.Binary(P.CorrelationData, [1, 2, 3]),
                MqttProperty.User("why", "fuzz"),
            ],
            Properties =
            [
                MqttProperty.UInt32(P.SessionExpiryInterval, 0),
                MqttProperty.UInt16(P.ReceiveMaximum, 20),
                MqttProperty.UInt32(P.MaximumPacketSize, 65536),
                MqttProperty.UInt16(P.TopicAliasMaximum, 4),
                MqttProperty.Byte(P.RequestResponseInformation, 1),
                MqttProperty.Byte(P.RequestProblemInformation, 1),
                MqttProperty.User("client", "tidings-fuzz"),
            ],
        });
        return new MqttSession("full-5.0", V5,
        [
            connect,
            Subscribe(V5, 1,
                [Filter("fz/+/t", 0x01 | 0x04), Filter("fz/#", 0x02 | 0x08 | 0x10), Filter("$share/g1/fz/share/+", 0x01), Filter("fz/x", 0x20)],
                MqttProperty.VariableByteInteger(P.SubscriptionIdentifier, 7), MqttProperty.User("s", "1")),
            Publish(V5, "fz/a/t", "zero"u8.ToArray(), properties: MqttProperty.Byte(P.PayloadFormatIndicator, 1)),
            Publish(V5, "fz/b/t", "one"u8.ToArray(), MqttQos.AtLeastOnce, 1, retain: true, properties:
            [
                MqttProperty.UInt32(P.MessageExpiryInterval, 120),
                MqttProperty.String(P.ContentType, "application/json"),
                MqttProperty.String(P.ResponseTopic, "fz/reply/b"),
                MqttProperty.Binary(P.CorrelationData, "corr"u8.ToArray()),
                MqttProperty.User("k", "v"),
                MqttProperty.User("k", "v2"),
                MqttProperty.UInt16(P.TopicAlias, 1),
            ]),
            // The alias alone now stands for fz/b/t.
            Publish(V5, "", "aliased"u8.ToArray(), MqttQos.AtLeastOnce, 2, properties: MqttProperty.UInt16(P.TopicAlias, 1)),
            Publish(V5, "fz/share/1", "two"u8.ToArray(), MqttQos.ExactlyOnce, 3),
            Ack(V5, MqttPacketType.PubRel, 3),
            Publish(V5, "fz/share/1", "two again"u8.ToArray(), MqttQos.ExactlyOnce, 4, dup: true),
            Ack(V5, MqttPacketType.PubRel, 4, 0, MqttProperty.String(P.ReasonString, "released")),
            // Answers to deliveries the broker may have sent (ids from 1); unknown ones are allowed too.
            Ack(V5, MqttPacketType.PubAck, 1),
            Ack(V5, MqttPacketType.PubRec, 2),
            Ack(V5, MqttPacketType.PubComp, 2),
            Ack(V5, MqttPacketType.PubAck, 3, 0x10, MqttProperty.User("a", "b")),
            PingRequest(),
            Unsubscribe(V5, 2, ["fz/+/t", "$share/g1/fz/share/+", "never/subscribed"], MqttProperty.User("u", "1")),
            Disconnect(V5, 0x00, MqttProperty.String(P.ReasonString, "bye")),
        ]);
    }

    private static MqttSession PersistentV5() => new("persistent-5.0", V5,
    [
        Connect(V5, "fz-persist5", new ConnectOptions
        {
            CleanStart = false,
            WillTopic = "fz/will/persist5",
            WillPayload = "bye"u8.ToArray(),
            WillRetain = true,
            Properties = [MqttProperty.UInt32(P.SessionExpiryInterval, 30), MqttProperty.UInt16(P.ReceiveMaximum, 2)],
        }),
        Subscribe(V5, 10, [Filter("fz/persist/#", 0x02)]),
        Publish(V5, "fz/persist/1", "p1"u8.ToArray(), MqttQos.AtLeastOnce, 11),
        Publish(V5, "fz/persist/2", "p2"u8.ToArray(), MqttQos.ExactlyOnce, 12),
        // No PUBREL: the QoS 2 flow stays open for the next connection with this id.
        Ack(V5, MqttPacketType.PubAck, 1),
        // 0x04: publish the will although this is a DISCONNECT; session expiry changed on the way out.
        Disconnect(V5, 0x04, MqttProperty.UInt32(P.SessionExpiryInterval, 10)),
    ]);

    private static MqttSession AliasesAndRetainedV5() => new("aliases-retained-5.0", V5,
    [
        Connect(V5, "fz-alias5", new ConnectOptions { Properties = [MqttProperty.UInt16(P.TopicAliasMaximum, 2)] }),
        Publish(V5, "fz/retained/a", "kept"u8.ToArray(), MqttQos.AtMostOnce, retain: true, properties: MqttProperty.UInt16(P.TopicAlias, 2)),
        Publish(V5, "fz/retained/b", "kept too"u8.ToArray(), MqttQos.AtLeastOnce, 1, retain: true, properties: MqttProperty.UInt16(P.TopicAlias, 1)),
        // Retain handling 0 (send retained), then 2 (do not), then 1 (only if new).
        Subscribe(V5, 2, [Filter("fz/retained/+", 0x01)], MqttProperty.VariableByteInteger(P.SubscriptionIdentifier, 268_435_455)),
        Subscribe(V5, 3, [Filter("fz/retained/#", 0x22)]),
        Subscribe(V5, 4, [Filter("fz/retained/a", 0x10)]),
        // The alias is rebound to another topic, then used alone.
        Publish(V5, "fz/retained/c", "x"u8.ToArray(), properties: MqttProperty.UInt16(P.TopicAlias, 2)),
        Publish(V5, "", "y"u8.ToArray(), properties: MqttProperty.UInt16(P.TopicAlias, 2)),
        // An empty retained payload clears the topic.
        Publish(V5, "fz/retained/a", [], MqttQos.AtMostOnce, retain: true),
        Ack(V5, MqttPacketType.PubAck, 1),
        Ack(V5, MqttPacketType.PubAck, 2),
        Unsubscribe(V5, 5, ["fz/retained/+"]),
        Disconnect(V5),
    ]);

    /// <summary>AUTH without an authentication method in CONNECT: the broker must answer DISCONNECT 0x82.</summary>
    private static MqttSession AuthV5() => new("auth-5.0", V5,
    [
        Connect(V5, "fz-auth5"),
        Auth(0x19, MqttProperty.String(P.AuthenticationMethod, "SCRAM-SHA-1"), MqttProperty.Binary(P.AuthenticationData, [0, 1, 2])),
        PingRequest(),
    ]);

    /// <summary>Enhanced authentication asked for in CONNECT (the broker has none: CONNACK 0x8C), then continued with AUTH 0x18.</summary>
    private static MqttSession AuthMethodInConnectV5() => new("auth-method-5.0", V5,
    [
        Connect(V5, "fz-authm5", new ConnectOptions
        {
            Properties = [MqttProperty.String(P.AuthenticationMethod, "PLAIN"), MqttProperty.Binary(P.AuthenticationData, "\0guest\0guest"u8.ToArray())],
        }),
        Auth(0x18, MqttProperty.String(P.AuthenticationMethod, "PLAIN"), MqttProperty.Binary(P.AuthenticationData, [])),
        Disconnect(V5),
    ]);

    private static MqttSession AssignedIdV5() => new("assigned-id-5.0", V5,
    [
        Connect(V5, "", new ConnectOptions { KeepAlive = 0, UserName = "/:guest", Password = "guest"u8.ToArray() }),
        Subscribe(V5, 1, [Filter("#", 0x00), Filter("+/+", 0x01), Filter("$SYS/#", 0x00)]),
        Publish(V5, "fz/anon", [0xFF, 0x00, 0xC3], MqttQos.AtMostOnce, properties: MqttProperty.Byte(P.PayloadFormatIndicator, 0)),
        PingRequest(),
        Disconnect(V5),
    ]);

    private static MqttSession FullV311() => new("full-3.1.1", V311,
    [
        Connect(V311, "fz-full311", new ConnectOptions
        {
            UserName = "guest",
            Password = "guest"u8.ToArray(),
            KeepAlive = 10,
            WillTopic = "fz/will/full311",
            WillPayload = "gone"u8.ToArray(),
            WillQos = MqttQos.ExactlyOnce,
            WillRetain = true,
        }),
        Subscribe(V311, 1, [Filter("fz/+/t", 0x01), Filter("fz/#", 0x02), Filter("$share/g2/fz/s/#", 0x00), Filter("fz/bad/#/x", 0x01)]),
        Publish(V311, "fz/a/t", "zero"u8.ToArray()),
        Publish(V311, "fz/b/t", "one"u8.ToArray(), MqttQos.AtLeastOnce, 1, retain: true),
        Publish(V311, "fz/s/1", "two"u8.ToArray(), MqttQos.ExactlyOnce, 2),
        Ack(V311, MqttPacketType.PubRel, 2),
        Ack(V311, MqttPacketType.PubAck, 1),
        Ack(V311, MqttPacketType.PubRec, 2),
        Ack(V311, MqttPacketType.PubComp, 2),
        PingRequest(),
        Unsubscribe(V311, 3, ["fz/+/t", "$share/g2/fz/s/#"]),
        Disconnect(V311),
    ]);

    private static MqttSession PersistentV311() => new("persistent-3.1.1", V311,
    [
        Connect(V311, "fz-persist311", new ConnectOptions { CleanStart = false, KeepAlive = 0 }),
        Subscribe(V311, 7, [Filter("fz/p311/+", 0x02)]),
        Publish(V311, "fz/p311/a", "q2"u8.ToArray(), MqttQos.ExactlyOnce, 8),
        Publish(V311, "fz/p311/a", "q2 again"u8.ToArray(), MqttQos.ExactlyOnce, 8, dup: true),
        Publish(V311, "fz/p311/b", "q1"u8.ToArray(), MqttQos.AtLeastOnce, 9),
        // No DISCONNECT: the socket just ends, so the session is kept and the will (none) would be due.
    ]);

    private static MqttSession Minimal(MqttProtocolVersion version, string clientId) => new($"minimal-{version}", version,
    [
        Connect(version, clientId),
        PingRequest(),
        Publish(version, "fz/min", "m"u8.ToArray(), MqttQos.AtLeastOnce, 1),
        Disconnect(version),
    ]);
}
