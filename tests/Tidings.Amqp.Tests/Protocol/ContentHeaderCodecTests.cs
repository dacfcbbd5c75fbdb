using System.Buffers;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;
using static Tidings.Amqp.Tests.Protocol.ProtocolTestBuffers;

namespace Tidings.Amqp.Tests.Protocol;

public sealed class ContentHeaderCodecTests
{
    private static readonly MessageProperties AllProperties = new()
    {
        ContentType = "application/json",
        ContentEncoding = "gzip",
        Headers = new Dictionary<string, object?> { ["h"] = 1 },
        Durable = true,
        Priority = 9,
        CorrelationId = "corr",
        ReplyTo = "amq.rabbitmq.reply-to",
        TimeToLiveMs = 60000,
        MessageId = "id-1",
        TimestampMs = 1_700_000_000_000L,
        Type = "order.created",
        UserId = "guest",
        AppId = "shop",
    };

    [Fact]
    public void Property_flags_are_the_spec_bits()
    {
        Assert.Equal(0x8000, BasicPropertyFlags.ContentType);
        Assert.Equal(0x4000, BasicPropertyFlags.ContentEncoding);
        Assert.Equal(0x2000, BasicPropertyFlags.Headers);
        Assert.Equal(0x1000, BasicPropertyFlags.DeliveryMode);
        Assert.Equal(0x0800, BasicPropertyFlags.Priority);
        Assert.Equal(0x0400, BasicPropertyFlags.CorrelationId);
        Assert.Equal(0x0200, BasicPropertyFlags.ReplyTo);
        Assert.Equal(0x0100, BasicPropertyFlags.Expiration);
        Assert.Equal(0x0080, BasicPropertyFlags.MessageId);
        Assert.Equal(0x0040, BasicPropertyFlags.Timestamp);
        Assert.Equal(0x0020, BasicPropertyFlags.Type);
        Assert.Equal(0x0010, BasicPropertyFlags.UserId);
        Assert.Equal(0x0008, BasicPropertyFlags.AppId);
        Assert.Equal(0x0004, BasicPropertyFlags.ClusterId);
    }

    [Fact]
    public void Content_header_with_all_13_neutral_properties_matches_a_hand_built_encoding_and_round_trips()
    {
        var encoded = Written(w => ContentHeaderCodec.Write(w, 1234, AllProperties));
        string expected =
            "003C" + "0000" + "00000000000004D2" + "FFF8" +
            Short("application/json") + Short("gzip") +
            "00000007" + "01" + "68" + "49" + "00000001" +
            "02" + "09" +
            Short("corr") + Short("amq.rabbitmq.reply-to") + Short("60000") + Short("id-1") +
            "000000006553F100" +
            Short("order.created") + Short("guest") + Short("shop");
        Assert.Equal(expected, ToHex(encoded));
        Assert.Equal(ContentHeaderCodec.GetSize(AllProperties), encoded.Length);

        foreach (var layout in Layouts(encoded))
        {
            var header = ContentHeaderCodec.Read(layout);
            Assert.Equal((ushort)60, header.ClassId);
            Assert.Equal((ushort)0, header.Weight);
            Assert.Equal(1234UL, header.BodySize);
            var p = header.Properties;
            Assert.Equal(
                (AllProperties.ContentType, AllProperties.ContentEncoding, AllProperties.Durable, AllProperties.Priority, AllProperties.CorrelationId, AllProperties.ReplyTo, AllProperties.TimeToLiveMs),
                (p.ContentType, p.ContentEncoding, p.Durable, p.Priority, p.CorrelationId, p.ReplyTo, p.TimeToLiveMs));
            Assert.Equal(
                (AllProperties.MessageId, AllProperties.TimestampMs, AllProperties.Type, AllProperties.UserId, AllProperties.AppId),
                (p.MessageId, p.TimestampMs, p.Type, p.UserId, p.AppId));
            Assert.Equal(1, p.Headers!["h"]);
            Assert.Equal(ToHex(encoded), ToHex(Written(w => ContentHeaderCodec.Write(w, header.BodySize, p))));
        }
    }

    [Fact]
    public void Content_header_with_no_properties_is_14_bytes_and_reads_as_the_shared_empty_instance()
    {
        var encoded = Written(w => ContentHeaderCodec.Write(w, 0, MessageProperties.Empty));
        Assert.Equal("003C" + "0000" + "0000000000000000" + "0000", ToHex(encoded));
        Assert.Same(MessageProperties.Empty, ContentHeaderCodec.Read(new ReadOnlySequence<byte>(encoded)).Properties);
    }

    public static TheoryData<string, ushort> SingleProperties() => new()
    {
        { nameof(MessageProperties.ContentType), BasicPropertyFlags.ContentType },
        { nameof(MessageProperties.ContentEncoding), BasicPropertyFlags.ContentEncoding },
        { nameof(MessageProperties.Headers), BasicPropertyFlags.Headers },
        { nameof(MessageProperties.Durable), BasicPropertyFlags.DeliveryMode },
        { nameof(MessageProperties.Priority), BasicPropertyFlags.Priority },
        { nameof(MessageProperties.CorrelationId), BasicPropertyFlags.CorrelationId },
        { nameof(MessageProperties.ReplyTo), BasicPropertyFlags.ReplyTo },
        { nameof(MessageProperties.TimeToLiveMs), BasicPropertyFlags.Expiration },
        { nameof(MessageProperties.MessageId), BasicPropertyFlags.MessageId },
        { nameof(MessageProperties.TimestampMs), BasicPropertyFlags.Timestamp },
        { nameof(MessageProperties.Type), BasicPropertyFlags.Type },
        { nameof(MessageProperties.UserId), BasicPropertyFlags.UserId },
        { nameof(MessageProperties.AppId), BasicPropertyFlags.AppId },
    };

    [Theory]
    [MemberData(nameof(SingleProperties))]
    public void Each_property_alone_sets_only_its_flag_and_round_trips(string name, ushort flag)
    {
        var property = typeof(MessageProperties).GetProperty(name)!;
        var properties = new MessageProperties();
        property.SetValue(properties, property.GetValue(AllProperties));

        Assert.Equal(flag, ContentHeaderCodec.GetFlags(properties));
        var encoded = Written(w => ContentHeaderCodec.Write(w, 5, properties));
        Assert.Equal(flag, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(encoded.AsSpan(12)));

        var read = ContentHeaderCodec.Read(Segmented(encoded, 2)).Properties;
        foreach (var other in typeof(MessageProperties).GetProperties().Where(p => p.CanWrite && p.Name != nameof(MessageProperties.Native)))
        {
            if (other == property)
            {
                Assert.NotNull(other.GetValue(read));
            }
            else
            {
                Assert.Null(other.GetValue(read));
            }
        }

        Assert.Equal(ToHex(encoded), ToHex(Written(w => ContentHeaderCodec.Write(w, 5, read))));
    }

    [Fact]
    public void Empty_headers_table_is_kept_distinct_from_no_headers()
    {
        var encoded = Written(w => ContentHeaderCodec.Write(w, 0, new MessageProperties { Headers = new Dictionary<string, object?>() }));
        Assert.Equal("2000", ToHex(encoded.AsSpan(12, 2)));
        var headers = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(encoded)).Properties.Headers;
        Assert.NotNull(headers);
        Assert.Empty(headers);
    }

    [Theory]
    [InlineData("003C 0000 0000000000000000 8000")]                 // content-type flagged but missing
    [InlineData("003C 0000 0000000000000000 8000 05 6162")]         // content-type truncated
    [InlineData("003C 0000 0000000000000000 0000 00")]              // trailing byte
    [InlineData("003C 0000 0000000000000000 0002")]                 // a fifteenth property
    [InlineData("003C 0000 0000000000000000 0001 8000")]            // continuation word naming unknown properties
    [InlineData("003C 0000 0000000000000000 0001")]                 // continuation word missing
    public void Malformed_content_headers_throw_syntax_error_502(string hex)
    {
        var exception = Assert.Throws<AmqpSyntaxException>(() => ContentHeaderCodec.Read(new ReadOnlySequence<byte>(Hex(hex))));
        Assert.Equal(502, exception.ReplyCode);
    }

    [Fact]
    public void Empty_continuation_word_is_accepted()
    {
        var header = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(Hex("003C 0000 0000000000000003 8001 0000 01 61")));
        Assert.Equal("a", header.Properties.ContentType);
        Assert.Equal(3UL, header.BodySize);
    }

    [Fact]
    public void Content_header_for_another_class_is_returned_for_the_channel_to_reject()
    {
        var header = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(Hex("0032 0000 0000000000000001 8000 01 61")));
        Assert.Equal((ushort)50, header.ClassId);
        Assert.Same(MessageProperties.Empty, header.Properties);
    }

    [Fact]
    public void Properties_from_an_AMQP_client_go_back_to_AMQP_byte_for_byte_with_what_the_neutral_model_has_no_place_for()
    {
        // delivery_mode 1 (not the same as absent), expiration "0100" (not the same text as 100) and
        // cluster_id: none of these survive a trip through the neutral fields, all come back.
        string hex = "003C 0000 0000000000000002 1104" + " 01" + Short("0100") + Short("cluster-7");
        var received = Hex(hex);

        var p = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(received)).Properties;

        Assert.Equal((bool?)false, p.Durable);
        Assert.Equal(100L, p.TimeToLiveMs);
        Assert.Equal(NativeEncoding.Amqp091, p.Native?.Protocol);
        Assert.Equal(ToHex(received), ToHex(Written(w => ContentHeaderCodec.Write(w, 2, p))));
    }

    [Fact]
    public void Properties_changed_by_the_broker_are_encoded_from_the_neutral_fields()
    {
        var p = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(Hex("003C 0000 0000000000000002 1204" + " 02" + Short("old") + Short("c")))).Properties;

        var changed = p.With(replyTo: "new");

        Assert.Null(changed.Native);
        var read = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(Written(w => ContentHeaderCodec.Write(w, 2, changed)))).Properties;
        Assert.Equal(("new", (bool?)true), (read.ReplyTo, read.Durable));
    }

    [Fact]
    public void An_expiration_that_is_not_a_ttl_is_refused_with_406_when_the_header_is_read()
    {
        var error = Assert.Throws<Tidings.Core.BrokerException>(() =>
            ContentHeaderCodec.Read(new ReadOnlySequence<byte>(Hex("003C 0000 0000000000000002 0100" + Short("soon")))));

        Assert.Equal(Tidings.Core.BrokerError.PreconditionFailed, error.Error);
        Assert.Contains("invalid expiration 'soon'", error.Message);
    }

    [Fact]
    public void Neutral_values_other_protocols_bring_are_written_as_AMQP_shows_them()
    {
        // MQTT 5: binary correlation data and repeated user properties; SQS: a typed attribute.
        var properties = new MessageProperties
        {
            CorrelationData = [0xFF, 0x00, 0x01],
            Headers = new MessageHeaders([
                new("sensor", "a"), new("zone", "north"), new("sensor", "b"),
                new("reading", new AttributeValue("Number.float", "21.5")),
                new("seen", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_999)),
            ]),
        };

        var read = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(Written(w => ContentHeaderCodec.Write(w, 0, properties)))).Properties;

        var headers = read.Headers!;
        Assert.Equal(["sensor", "zone", "reading", "seen", ContentHeaderCodec.BinaryCorrelationHeader], headers.Keys);
        Assert.Equal(["a", "b"], Assert.IsType<List<object?>>(headers["sensor"]));
        Assert.Equal("21.5", headers["reading"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), headers["seen"]);
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x01 }, headers[ContentHeaderCodec.BinaryCorrelationHeader]);
        Assert.Null(read.CorrelationId);
    }

    private static string Short(string value) =>
        value.Length.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(value));
}
