using System.Buffers;
using Tidings.Mqtt.Protocol;
using static Tidings.Mqtt.Tests.Bytes;

namespace Tidings.Mqtt.Tests;

public sealed class PropertiesTests
{
    private static byte[] Write(MqttProperties properties, ReadOnlySpan<int> extraIds = default)
    {
        int content = MqttPropertiesWriter.GetContentSize(properties, extraIds);
        var bytes = new byte[MqttPropertiesWriter.GetBlockSize(content)];
        var writer = new MqttSpanWriter(bytes);
        MqttPropertiesWriter.Write(ref writer, properties, content, extraIds);
        Assert.Equal(bytes.Length, writer.Position);
        return bytes;
    }

    private static MqttProperties? ReadBack(byte[] bytes, MqttPropertyContext context)
    {
        var reader = new MqttBodyReader(new ReadOnlySequence<byte>(bytes), "TEST");
        var properties = MqttPropertiesReader.Read(ref reader, context);
        reader.ExpectEnd();
        return properties;
    }

    private static MqttProperties? ReadBack(byte[] bytes, MqttPropertyContext context, bool fragmented)
    {
        if (!fragmented)
        {
            return ReadBack(bytes, context);
        }

        var reader = new MqttBodyReader(Fragmented(bytes), "TEST");
        return MqttPropertiesReader.Read(ref reader, context);
    }

    public static TheoryData<string, MqttPropertyContext, MqttProperties> EveryProperty => new()
    {
        { "payload format", MqttPropertyContext.Publish, new MqttProperties { PayloadFormatIndicator = 1 } },
        { "message expiry", MqttPropertyContext.Will, new MqttProperties { MessageExpiryInterval = uint.MaxValue } },
        { "content type", MqttPropertyContext.Publish, new MqttProperties { ContentType = "application/cbor" } },
        { "response topic", MqttPropertyContext.Will, new MqttProperties { ResponseTopic = "r/é" } },
        { "correlation data", MqttPropertyContext.Publish, new MqttProperties { CorrelationData = [0, 255, 0] } },
        { "subscription ids", MqttPropertyContext.Publish, new MqttProperties { SubscriptionIdentifiers = [1, 127, 128, 16_384, 268_435_455] } },
        { "session expiry", MqttPropertyContext.Disconnect, new MqttProperties { SessionExpiryInterval = 0xFFFFFFFF } },
        { "assigned client id", MqttPropertyContext.ConnAck, new MqttProperties { AssignedClientIdentifier = "auto-xyz" } },
        { "server keep alive", MqttPropertyContext.ConnAck, new MqttProperties { ServerKeepAlive = 65535 } },
        { "auth method", MqttPropertyContext.Auth, new MqttProperties { AuthenticationMethod = "PLAIN" } },
        { "auth data", MqttPropertyContext.Connect, new MqttProperties { AuthenticationData = [] } },
        { "request problem info", MqttPropertyContext.Connect, new MqttProperties { RequestProblemInformation = false } },
        { "will delay", MqttPropertyContext.Will, new MqttProperties { WillDelayInterval = 10 } },
        { "request response info", MqttPropertyContext.Connect, new MqttProperties { RequestResponseInformation = true } },
        { "response info", MqttPropertyContext.ConnAck, new MqttProperties { ResponseInformation = "base/" } },
        { "server reference", MqttPropertyContext.Disconnect, new MqttProperties { ServerReference = "b:1883" } },
        { "reason string", MqttPropertyContext.PublishAck, new MqttProperties { ReasonString = "because" } },
        { "receive maximum", MqttPropertyContext.Connect, new MqttProperties { ReceiveMaximum = 1 } },
        { "topic alias maximum", MqttPropertyContext.ConnAck, new MqttProperties { TopicAliasMaximum = 0 } },
        { "topic alias", MqttPropertyContext.Publish, new MqttProperties { TopicAlias = 9 } },
        { "maximum qos", MqttPropertyContext.ConnAck, new MqttProperties { MaximumQos = MqttQos.AtMostOnce } },
        { "retain available", MqttPropertyContext.ConnAck, new MqttProperties { RetainAvailable = true } },
        { "user properties", MqttPropertyContext.SubAck, new MqttProperties().AddUserProperty("a", "1").AddUserProperty("b", "").AddUserProperty("a", "2") },
        { "maximum packet size", MqttPropertyContext.Connect, new MqttProperties { MaximumPacketSize = 268_435_460 } },
        { "wildcard available", MqttPropertyContext.ConnAck, new MqttProperties { WildcardSubscriptionAvailable = false } },
        { "sub id available", MqttPropertyContext.ConnAck, new MqttProperties { SubscriptionIdentifierAvailable = true } },
        { "shared available", MqttPropertyContext.ConnAck, new MqttProperties { SharedSubscriptionAvailable = false } },
    };

    [Theory]
    [MemberData(nameof(EveryProperty))]
    public void Every_property_round_trips_in_a_packet_that_allows_it(string name, MqttPropertyContext context, MqttProperties properties)
    {
        Assert.NotNull(name);
        foreach (bool fragmented in new[] { false, true })
        {
            var back = ReadBack(Write(properties), context, fragmented);
            Assert.NotNull(back);
            Assert.Equivalent(properties, back, strict: true);
        }
    }

    [Fact]
    public void User_properties_keep_order_and_duplicates_across_a_round_trip()
    {
        var properties = new MqttProperties();
        for (int i = 0; i < 50; i++)
        {
            properties.AddUserProperty(i % 2 == 0 ? "dup" : $"k{i}", $"v{i}");
        }

        var back = ReadBack(Write(properties), MqttPropertyContext.Connect);
        Assert.Equal(properties.UserProperties, back!.UserProperties);
    }

    [Fact]
    public void Extra_subscription_ids_are_written_after_the_packets_own()
    {
        var back = ReadBack(Write(new MqttProperties { SubscriptionIdentifiers = [5] }, [6, 7]), MqttPropertyContext.Publish);
        Assert.Equal([5, 6, 7], back!.SubscriptionIdentifiers);
        Assert.Equal([4, 0x0B, 6, 0x0B, 7], Write(new MqttProperties(), [6, 7]));
    }

    [Fact]
    public void Empty_property_block_reads_as_null_without_allocating_a_properties_object() =>
        Assert.Null(ReadBack([0], MqttPropertyContext.Publish));

    [Theory]
    [InlineData(MqttPropertyContext.Publish, 0x11)] // session expiry
    [InlineData(MqttPropertyContext.Connect, 0x23)] // topic alias
    [InlineData(MqttPropertyContext.Will, 0x21)] // receive maximum
    [InlineData(MqttPropertyContext.Unsubscribe, 0x1F)] // reason string
    [InlineData(MqttPropertyContext.Subscribe, 0x01)]
    [InlineData(MqttPropertyContext.Auth, 0x11)]
    public void Property_not_allowed_in_the_packet_is_a_protocol_error(MqttPropertyContext context, byte id)
    {
        var (type, _) = TypeOf(id);
        byte[] value = type switch
        {
            MqttPropertyType.Byte => B(1),
            MqttPropertyType.TwoByteInteger => U16(1),
            MqttPropertyType.FourByteInteger => U32(1),
            MqttPropertyType.Utf8String => Str("x"),
            _ => throw new InvalidOperationException(),
        };
        Throws(() => ReadBack(Props([id, .. value]), context), MqttReasonCode.ProtocolError);
    }

    [Fact]
    public void Repeated_single_use_property_is_a_protocol_error()
    {
        Throws(() => ReadBack(Props([0x1F, .. Str("a")], [0x1F, .. Str("b")]), MqttPropertyContext.PublishAck), MqttReasonCode.ProtocolError);
        Throws(() => ReadBack(Props(B(0x0B, 1), B(0x0B, 2)), MqttPropertyContext.Subscribe), MqttReasonCode.ProtocolError);
    }

    [Fact]
    public void Repeated_subscription_ids_are_allowed_in_publish() =>
        Assert.Equal([1, 2], ReadBack(Props(B(0x0B, 1), B(0x0B, 2)), MqttPropertyContext.Publish)!.SubscriptionIdentifiers);

    [Theory]
    [InlineData(new byte[] { 0x17, 2 })] // request problem information
    [InlineData(new byte[] { 0x19, 9 })] // request response information
    [InlineData(new byte[] { 0x27, 0, 0, 0, 0 })] // maximum packet size 0
    [InlineData(new byte[] { 0x21, 0, 0 })] // receive maximum 0
    public void Out_of_range_values_are_a_protocol_error(byte[] entry) =>
        Throws(() => ReadBack(Props(entry), MqttPropertyContext.Connect), MqttReasonCode.ProtocolError);

    [Fact]
    public void User_property_with_bad_utf8_is_malformed() =>
        Throws(() => ReadBack(Props([0x26, .. Bin([0xED, 0xBF, 0xBF]), .. Str("v")]), MqttPropertyContext.Connect), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Property_table_matches_the_spec_companion_json()
    {
        using var json = SpecTables.Load("mqtt5-properties.json");
        var seen = new HashSet<int>();
        foreach (var entry in json.RootElement.GetProperty("properties").EnumerateArray())
        {
            int id = entry.GetProperty("id").GetInt32();
            seen.Add(id);
            Assert.True(MqttPropertyTable.TryGet(id, out var type, out var allowed), $"0x{id:X2} missing");
            Assert.Equal(entry.GetProperty("type").GetString()!.Replace("-", "").Replace(" ", "").Replace("Encoded", ""), type.ToString().Replace("Utf8", "UTF8"));
            var expected = MqttPropertyContext.None;
            foreach (var packet in entry.GetProperty("packets").EnumerateArray())
            {
                expected |= packet.GetString() switch
                {
                    "WILL_PROPERTIES" => MqttPropertyContext.Will,
                    "PUBACK" or "PUBREC" or "PUBREL" or "PUBCOMP" => MqttPropertyContext.PublishAck,
                    "CONNACK" => MqttPropertyContext.ConnAck,
                    "SUBACK" => MqttPropertyContext.SubAck,
                    "UNSUBACK" => MqttPropertyContext.UnsubAck,
                    var name => Enum.Parse<MqttPropertyContext>(name!, ignoreCase: true),
                };
            }

            Assert.True(expected == allowed, $"0x{id:X2}: spec {expected}, ours {allowed}");
        }

        for (int id = 0; id <= 0x7F; id++)
        {
            Assert.Equal(seen.Contains(id), MqttPropertyTable.TryGet(id, out _, out _));
        }
    }

    private static (MqttPropertyType, MqttPropertyContext) TypeOf(byte id)
    {
        Assert.True(MqttPropertyTable.TryGet(id, out var type, out var allowed));
        return (type, allowed);
    }
}
