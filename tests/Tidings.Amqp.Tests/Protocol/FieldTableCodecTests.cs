using System.Buffers;
using System.Collections;
using System.Collections.ObjectModel;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;
using static Tidings.Amqp.Tests.Protocol.ProtocolTestBuffers;

namespace Tidings.Amqp.Tests.Protocol;

public sealed class FieldTableCodecTests
{
    [Fact]
    public void Field_table_round_trips_every_rabbitmq_type_tag()
    {
        var table = new Dictionary<string, object?>
        {
            ["t"] = true,
            ["b"] = (sbyte)-5,
            ["B"] = (byte)250,
            ["s"] = (short)-30000,
            ["u"] = (ushort)60000,
            ["I"] = -2_000_000_000,
            ["i"] = 4_000_000_000u,
            ["l"] = -9_000_000_000_000_000_000L,
            ["f"] = 1.5f,
            ["d"] = -2.25d,
            ["D"] = -123.45m,
            ["S"] = "grüße",
            ["A"] = new List<object?> { 1, "two", null, new List<object?> { false } },
            ["T"] = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            ["F"] = new Dictionary<string, object?> { ["inner"] = new Dictionary<string, object?> { ["deep"] = 3L } },
            ["V"] = null,
            ["x"] = new byte[] { 0, 1, 0xFF },
        };

        var encoded = Written(w => FieldTableCodec.WriteTable(w, table));
        Assert.Equal(FieldTableCodec.GetTableSize(table), encoded.Length);
        Assert.Equal(table.Keys, TagsOf(encoded).Select(t => t.Key));
        Assert.All(TagsOf(encoded), t => Assert.Equal(t.Key, t.Tag.ToString()));

        foreach (var layout in Layouts(encoded))
        {
            var read = FieldTableCodec.ReadTable(layout);
            Assert.Equal(table.Keys, read.Keys);
            foreach (var (key, value) in table)
            {
                Assert.Equal(value?.GetType(), read[key]?.GetType());
            }

            Assert.Equal(true, read["t"]);
            Assert.Equal((sbyte)-5, read["b"]);
            Assert.Equal((byte)250, read["B"]);
            Assert.Equal((short)-30000, read["s"]);
            Assert.Equal((ushort)60000, read["u"]);
            Assert.Equal(-2_000_000_000, read["I"]);
            Assert.Equal(4_000_000_000u, read["i"]);
            Assert.Equal(-9_000_000_000_000_000_000L, read["l"]);
            Assert.Equal(1.5f, read["f"]);
            Assert.Equal(-2.25d, read["d"]);
            Assert.Equal(-123.45m, read["D"]);
            Assert.Equal("grüße", read["S"]);
            var array = Assert.IsType<List<object?>>(read["A"]);
            Assert.Equal(1, array[0]);
            Assert.Equal("two", array[1]);
            Assert.Null(array[2]);
            Assert.Equal([false], Assert.IsType<List<object?>>(array[3]));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), read["T"]);
            var nested = Assert.IsType<Dictionary<string, object?>>(read["F"]);
            Assert.Equal(3L, Assert.IsType<Dictionary<string, object?>>(nested["inner"])["deep"]);
            Assert.Null(read["V"]);
            Assert.Equal(new byte[] { 0, 1, 0xFF }, read["x"]);

            Assert.Equal(ToHex(encoded), ToHex(Written(w => FieldTableCodec.WriteTable(w, read))));
        }
    }

    [Fact]
    public void Table_encoding_matches_a_hand_built_one()
    {
        var table = new Dictionary<string, object?> { ["a"] = 1, ["b"] = "hi", ["c"] = new List<object?> { true } };
        Assert.Equal(
            "00000019" +
            "01" + "61" + "49" + "00000001" +
            "01" + "62" + "53" + "00000002" + "6869" +
            "01" + "63" + "41" + "00000002" + "74" + "01",
            ToHex(Written(w => FieldTableCodec.WriteTable(w, table))));
    }

    [Fact]
    public void Null_and_empty_tables_are_four_zero_bytes()
    {
        Assert.Equal("00000000", ToHex(Written(w => FieldTableCodec.WriteTable(w, null))));
        Assert.Equal("00000000", ToHex(Written(w => FieldTableCodec.WriteTable(w, new Dictionary<string, object?>()))));
        Assert.Empty(FieldTableCodec.ReadTable(new ReadOnlySequence<byte>(new byte[4])));
    }

    public static TheoryData<object?, char> ClrTypesAndTags() => new()
    {
        { "text", 'S' },
        { new byte[] { 1 }, 'x' },
        { new ReadOnlyMemory<byte>([1, 2]), 'x' },
        { 1, 'I' },
        { 1L, 'l' },
        { 5UL, 'l' },
        { true, 't' },
        { 1.0d, 'd' },
        { 1.0f, 'f' },
        { (sbyte)1, 'b' },
        { (byte)1, 'B' },
        { (short)1, 's' },
        { (ushort)1, 'u' },
        { 1u, 'i' },
        { DateTimeOffset.FromUnixTimeSeconds(1), 'T' },
        { new AmqpDecimal(1, 1), 'D' },
        { 1.5m, 'D' },
        { new RawText([0xFF]), 'S' },
        { new Dictionary<string, object?>(), 'F' },
        { new ReadOnlyDictionary<string, object?>(new Dictionary<string, object?> { ["k"] = 1 }), 'F' },
        { new Hashtable { ["k"] = "v" }, 'F' },
        { new Dictionary<string, string> { ["k"] = "v" }, 'F' },
        { new List<object?> { 1 }, 'A' },
        { new object?[] { "a", null }, 'A' },
        { new List<string> { "cc1", "cc2" }, 'A' },
        { null, 'V' },
    };

    [Theory]
    [MemberData(nameof(ClrTypesAndTags))]
    public void Writer_maps_dotnet_types_to_rabbitmq_tags(object? value, char tag)
    {
        var bytes = new byte[FieldTableCodec.GetValueSize(value)];
        Assert.Equal(bytes.Length, FieldTableCodec.WriteValue(bytes, value));
        Assert.Equal((byte)tag, bytes[0]);

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        _ = FieldTableCodec.ReadValue(ref reader);
        Assert.True(reader.End);
    }

    [Fact]
    public void Long_string_that_is_not_utf8_reads_as_LongStringBytes_and_writes_back_unchanged()
    {
        var encoded = Hex("0000000B 03 626164 53 00000002 C328");
        foreach (var layout in Layouts(encoded))
        {
            var table = FieldTableCodec.ReadTable(layout);
            var bytes = Assert.IsType<RawText>(table["bad"]);
            Assert.Equal(new byte[] { 0xC3, 0x28 }, bytes.Bytes);
            Assert.Equal(ToHex(encoded), ToHex(Written(w => FieldTableCodec.WriteTable(w, table))));
        }
    }

    [Fact]
    public void Uppercase_L_is_read_as_a_signed_64_bit_integer()
    {
        var table = FieldTableCodec.ReadTable(new ReadOnlySequence<byte>(Hex("0000000B 01 6E 4C FFFFFFFFFFFFFFFE")));
        Assert.Equal(-2L, table["n"]);
    }

    [Fact]
    public void Decimal_is_written_with_its_scale_and_trailing_zeros_dropped_only_to_fit()
    {
        Assert.Equal(new AmqpDecimal(3, 12345), FieldTableCodec.ToAmqpDecimal(12.345m));
        Assert.Equal(new AmqpDecimal(2, 100), FieldTableCodec.ToAmqpDecimal(1.00m));
        Assert.Equal(new AmqpDecimal(0, int.MinValue), FieldTableCodec.ToAmqpDecimal(int.MinValue));
        Assert.Equal(new AmqpDecimal(11, 1_000_000_000), FieldTableCodec.ToAmqpDecimal(0.0100000000000000000000m));
        Assert.Throws<ArgumentException>(() => FieldTableCodec.ToAmqpDecimal(2_147_483_648m));
        Assert.Throws<ArgumentException>(() => FieldTableCodec.GetValueSize(0.12345678901m));
        Assert.Equal("44" + "03" + "00003039", ToHex(EncodeValue(12.345m)));
    }

    [Fact]
    public void Unknown_type_tag_throws_syntax_error_502()
    {
        var exception = Assert.Throws<AmqpSyntaxException>(() => FieldTableCodec.ReadTable(new ReadOnlySequence<byte>(Hex("00000003 01 6B 51"))));
        Assert.Equal(502, exception.ReplyCode);
        Assert.Contains("0x51", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00000010 01 6B 49 00000001")]          // table length runs past the data
    [InlineData("00000005 01 6B 49 0000")]              // value truncated inside the table
    [InlineData("00000008 01 6B 53 00000010 61")]       // long string length runs past the table
    [InlineData("00000008 01 6B 41 00000005 49")]       // array length runs past the table
    [InlineData("00000003 05 6B 49")]                   // key length runs past the table
    public void Malformed_tables_throw_syntax_error_502(string hex)
    {
        foreach (var layout in Layouts(Hex(hex)))
        {
            Assert.Throws<AmqpSyntaxException>(() => FieldTableCodec.ReadTable(layout));
        }
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_when_reading()
    {
        // 100 arrays, each holding the next: "A" + length + ... + innermost empty array.
        byte[] inner = [(byte)'A', 0, 0, 0, 0];
        for (int i = 0; i < 100; i++)
        {
            var outer = new byte[5 + inner.Length];
            outer[0] = (byte)'A';
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(outer.AsSpan(1), (uint)inner.Length);
            inner.CopyTo(outer, 5);
            inner = outer;
        }

        Assert.Throws<AmqpSyntaxException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(inner));
            return FieldTableCodec.ReadValue(ref reader);
        });
    }

    [Fact]
    public void Cyclic_tables_are_refused_when_writing()
    {
        var table = new Dictionary<string, object?>();
        table["self"] = table;
        Assert.Throws<ArgumentException>(() => FieldTableCodec.GetTableSize(table));
    }

    [Fact]
    public void Unsupported_values_and_keys_are_refused_when_writing()
    {
        Assert.Throws<ArgumentException>(() => FieldTableCodec.GetValueSize(new object()));
        Assert.Throws<ArgumentException>(() => FieldTableCodec.GetValueSize(ulong.MaxValue));
        Assert.Throws<ArgumentException>(() => FieldTableCodec.GetTableSize(new Dictionary<string, object?> { [new string('k', 256)] = 1 }));
        Assert.Throws<ArgumentException>(() => FieldTableCodec.GetValueSize(new Hashtable { [1] = "v" }));
    }

    [Fact]
    public void X_death_style_headers_round_trip()
    {
        var headers = new Dictionary<string, object?>
        {
            ["x-death"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["count"] = 1L,
                    ["reason"] = "rejected",
                    ["queue"] = "work",
                    ["time"] = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
                    ["exchange"] = "",
                    ["routing-keys"] = new List<object?> { "work" },
                },
            },
            ["CC"] = new List<object?> { "a", "b" },
        };

        var encoded = Written(w => FieldTableCodec.WriteTable(w, headers));
        var read = FieldTableCodec.ReadTable(Segmented(encoded, 5));
        var death = Assert.IsType<Dictionary<string, object?>>(Assert.IsType<List<object?>>(read["x-death"])[0]);
        Assert.Equal("rejected", death["reason"]);
        Assert.Equal(["work"], Assert.IsType<List<object?>>(death["routing-keys"]));
        Assert.Equal(ToHex(encoded), ToHex(Written(w => FieldTableCodec.WriteTable(w, read))));
    }

    private static byte[] EncodeValue(object? value)
    {
        var bytes = new byte[FieldTableCodec.GetValueSize(value)];
        FieldTableCodec.WriteValue(bytes, value);
        return bytes;
    }

    // (key, tag) of each top-level entry of an encoded table.
    private static List<(string Key, char Tag)> TagsOf(byte[] encoded)
    {
        var result = new List<(string, char)>();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(encoded, 4, encoded.Length - 4));
        while (!reader.End)
        {
            reader.TryRead(out byte keyLength);
            var key = System.Text.Encoding.UTF8.GetString(reader.UnreadSpan[..keyLength]);
            reader.Advance(keyLength);
            reader.TryRead(out byte tag);
            reader.Rewind(1);
            result.Add((key, (char)tag));
            _ = FieldTableCodec.ReadValue(ref reader);
        }

        return result;
    }
}
