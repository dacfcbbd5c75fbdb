using System.Buffers;
using System.Text;
using Tidings.Amqp.Protocol;
using static Tidings.Amqp.Tests.Protocol.ProtocolTestBuffers;

namespace Tidings.Amqp.Tests.Protocol;

/// <summary>Known encodings, built by hand from the spec, so read and write cannot agree on a wrong layout.</summary>
public sealed class MethodEncodingTests
{
    [Fact]
    public void Connection_tune_frame_matches_a_hand_built_encoding()
    {
        var tune = new ConnectionTune { ChannelMax = 2047, FrameMax = 131072, Heartbeat = 60 };
        var frame = Written(w => FrameWriter.WriteMethod(w, 0, tune));

        // type 1, channel 0, size 12, class 10, method 30, channel-max, frame-max, heartbeat, frame end
        Assert.Equal("01" + "0000" + "0000000C" + "000A" + "001E" + "07FF" + "00020000" + "003C" + "CE", ToHex(frame));

        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.True(FrameReader.TryReadFrame(ref buffer, 131072, out var read));
        Assert.Equal(AmqpMethodId.ConnectionTune, read.MethodId);
        Assert.Equal(tune, ConnectionTune.Read(read.MethodArguments));
    }

    [Fact]
    public void Queue_declare_packs_its_five_bits_into_one_octet_lowest_bit_first()
    {
        var declare = new QueueDeclare { Queue = "q1", Durable = true, AutoDelete = true };

        // class 50, method 10, ticket 0, "q1", bits passive=1 durable=2 exclusive=4 auto-delete=8 nowait=16, empty table
        Assert.Equal("0032" + "000A" + "0000" + "02" + "7131" + "0A" + "00000000", ToHex(Written(declare.Write)));

        var all = new QueueDeclare { Queue = "q1", Passive = true, Durable = true, Exclusive = true, AutoDelete = true, NoWait = true };
        Assert.Equal("0032000A0000027131" + "1F" + "00000000", ToHex(Written(all.Write)));

        var read = QueueDeclare.Read(new ReadOnlySequence<byte>(Hex("0000 02 7131 05 00000000")));
        Assert.Equal((true, false, true, false, false), (read.Passive, read.Durable, read.Exclusive, read.AutoDelete, read.NoWait));
    }

    [Fact]
    public void Queue_declare_arguments_table_is_written_with_rabbitmq_tags()
    {
        var declare = new QueueDeclare
        {
            Queue = "q",
            Arguments = new() { ["x-max-length"] = 5, ["x-queue-type"] = "quorum" },
        };

        string table =
            "0C" + Convert.ToHexString("x-max-length"u8) + "49" + "00000005" +
            "0C" + Convert.ToHexString("x-queue-type"u8) + "53" + "00000006" + Convert.ToHexString("quorum"u8);
        Assert.Equal(
            "0032000A" + "0000" + "0171" + "00" + (table.Length / 2).ToString("X8", System.Globalization.CultureInfo.InvariantCulture) + table,
            ToHex(Written(declare.Write)));
    }

    [Fact]
    public void Exchange_bind_writes_destination_before_source()
    {
        var bind = new ExchangeBind { Destination = "dst", Source = "src", RoutingKey = "rk", NoWait = true };
        Assert.Equal(
            "0028" + "001E" + "0000" + "03" + Convert.ToHexString("dst"u8) + "03" + Convert.ToHexString("src"u8) + "02" + Convert.ToHexString("rk"u8) + "01" + "00000000",
            ToHex(Written(bind.Write)));
    }

    [Fact]
    public void Exchange_unbind_ok_is_method_51()
    {
        Assert.Equal("0028" + "0033", ToHex(Written(new ExchangeUnbindOk().Write)));
    }

    [Fact]
    public void Basic_publish_has_mandatory_as_bit_0_and_immediate_as_bit_1()
    {
        var publish = new BasicPublish { Exchange = "amq.direct", RoutingKey = "k", Mandatory = true };
        Assert.Equal("003C" + "0028" + "0000" + "0A" + Convert.ToHexString("amq.direct"u8) + "01" + "6B" + "01", ToHex(Written(publish.Write)));
        Assert.Equal("02", ToHex(Written(new BasicPublish { Immediate = true }.Write))[^2..]);
    }

    [Fact]
    public void Basic_deliver_matches_a_hand_built_encoding()
    {
        var deliver = new BasicDeliver { ConsumerTag = "ctag", DeliveryTag = 0x0102030405060708, Redelivered = true, Exchange = "", RoutingKey = "rk" };
        Assert.Equal(
            "003C" + "003C" + "04" + Convert.ToHexString("ctag"u8) + "0102030405060708" + "01" + "00" + "02" + Convert.ToHexString("rk"u8),
            ToHex(Written(deliver.Write)));
    }

    [Fact]
    public void Basic_nack_and_reject_default_to_requeue()
    {
        Assert.True(new BasicNack().Requeue);
        Assert.True(new BasicReject().Requeue);
        Assert.Equal("003C" + "0078" + "000000000000002A" + "03", ToHex(Written(new BasicNack { DeliveryTag = 42, Multiple = true }.Write)));
        Assert.Equal("003C" + "0078" + "000000000000002A" + "00", ToHex(Written(new BasicNack { DeliveryTag = 42, Requeue = false }.Write)));
    }

    [Fact]
    public void Access_request_defaults_set_passive_active_write_and_read()
    {
        Assert.Equal("001E" + "000A" + "05" + Convert.ToHexString("/data"u8) + "1E", ToHex(Written(new AccessRequest().Write)));
    }

    [Fact]
    public void Connection_close_carries_the_failing_class_and_method()
    {
        var close = new ConnectionClose
        {
            ReplyCode = AmqpReplyCodes.NotAllowed,
            ReplyText = "NOT_ALLOWED - vhost 'x' not found",
            FailingClassId = ConnectionOpen.ClassId,
            FailingMethodId = ConnectionOpen.MethodId,
        };
        Assert.Equal(
            "000A" + "0032" + "0212" + "21" + Convert.ToHexString("NOT_ALLOWED - vhost 'x' not found"u8) + "000A" + "0028",
            ToHex(Written(close.Write)));
    }

    [Fact]
    public void Connection_start_defaults_offer_plain_and_en_us()
    {
        var start = new ConnectionStart();
        Assert.Equal((0, 9), (start.VersionMajor, start.VersionMinor));
        Assert.Equal("PLAIN", Encoding.UTF8.GetString(start.Mechanisms.Span));
        Assert.Equal("en_US", Encoding.UTF8.GetString(start.Locales.Span));
        Assert.Equal(
            "000A000A" + "00" + "09" + "00000000" + "00000005" + Convert.ToHexString("PLAIN"u8) + "00000005" + Convert.ToHexString("en_US"u8),
            ToHex(Written(start.Write)));
    }

    [Fact]
    public void Non_ascii_short_strings_are_length_prefixed_in_utf8_bytes()
    {
        var declareOk = new QueueDeclareOk { Queue = "kö", MessageCount = 1, ConsumerCount = 2 };
        Assert.Equal("0032000B" + "03" + "6BC3B6" + "00000001" + "00000002", ToHex(Written(declareOk.Write)));
        Assert.Equal("kö", QueueDeclareOk.Read(new ReadOnlySequence<byte>(Hex("03 6BC3B6 00000001 00000002"))).Queue);
    }
}
