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
        DeliveryMode = 2,
        Priority = 9,
        CorrelationId = "corr",
        ReplyTo = "amq.rabbitmq.reply-to",
        Expiration = "60000",
        MessageId = "id-1",
        Timestamp = new AmqpTimestamp(1_700_000_000),
        Type = "order.created",
        UserId = "guest",
        AppId = "shop",
        ClusterId = "c1",
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
    public void Content_header_with_all_14_properties_matches_a_hand_built_encoding_and_round_trips()
    {
        var encoded = Written(w => ContentHeaderCodec.Write(w, 1234, AllProperties));
        string expected =
            "003C" + "0000" + "00000000000004D2" + "FFFC" +
            Short("application/json") + Short("gzip") +
            "00000007" + "01" + "68" + "49" + "00000001" +
            "02" + "09" +
            Short("corr") + Short("amq.rabbitmq.reply-to") + Short("60000") + Short("id-1") +
            "000000006553F100" +
            Short("order.created") + Short("guest") + Short("shop") + Short("c1");
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
                (AllProperties.ContentType, AllProperties.ContentEncoding, AllProperties.DeliveryMode, AllProperties.Priority, AllProperties.CorrelationId, AllProperties.ReplyTo, AllProperties.Expiration),
                (p.ContentType, p.ContentEncoding, p.DeliveryMode, p.Priority, p.CorrelationId, p.ReplyTo, p.Expiration));
            Assert.Equal(
                (AllProperties.MessageId, AllProperties.Timestamp, AllProperties.Type, AllProperties.UserId, AllProperties.AppId, AllProperties.ClusterId),
                (p.MessageId, p.Timestamp, p.Type, p.UserId, p.AppId, p.ClusterId));
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
        { nameof(MessageProperties.DeliveryMode), BasicPropertyFlags.DeliveryMode },
        { nameof(MessageProperties.Priority), BasicPropertyFlags.Priority },
        { nameof(MessageProperties.CorrelationId), BasicPropertyFlags.CorrelationId },
        { nameof(MessageProperties.ReplyTo), BasicPropertyFlags.ReplyTo },
        { nameof(MessageProperties.Expiration), BasicPropertyFlags.Expiration },
        { nameof(MessageProperties.MessageId), BasicPropertyFlags.MessageId },
        { nameof(MessageProperties.Timestamp), BasicPropertyFlags.Timestamp },
        { nameof(MessageProperties.Type), BasicPropertyFlags.Type },
        { nameof(MessageProperties.UserId), BasicPropertyFlags.UserId },
        { nameof(MessageProperties.AppId), BasicPropertyFlags.AppId },
        { nameof(MessageProperties.ClusterId), BasicPropertyFlags.ClusterId },
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
        foreach (var other in typeof(MessageProperties).GetProperties().Where(p => p.CanWrite))
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

    private static string Short(string value) =>
        value.Length.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(value));
}
