using System.Text.Json;
using Tidings.Core.Definitions;
using Tidings.Core.Messages;

namespace Tidings.Core.Tests.Definitions;

public sealed class FieldValueJsonTests
{
    private static string Write(object? value, FieldJsonStyle style) => FieldValueJson.ToJsonString(value, style);

    private static object? Read(string json) => FieldValueJson.Read(JsonDocument.Parse(json).RootElement);

    public static TheoryData<object?> ExactValues() => new()
    {
        "text",
        true,
        42L,
        long.MinValue,
        ulong.MaxValue,
        1.25,
        double.NaN,
        double.NegativeInfinity,
        1.50m,
        new DateTimeOffset(2026, 12, 2, 15, 47, 41, 123, TimeSpan.FromHours(2)),
        new byte[] { 0xff, 0x00, 0x80, (byte)'a' },
        new byte[] { (byte)'o', (byte)'k' },
        new byte[0],
        new RawText([0xc3, 0x28, 0xa0]),
        new AttributeValue("Number.float", "1.5"),
        new AttributeValue("Binary", new byte[] { 1, 2, 3 }),
        null,
    };

    [Theory]
    [MemberData(nameof(ExactValues))]
    public void Every_value_type_reads_back_exactly_from_the_exact_style(object? value)
    {
        var back = Read(Write(value, FieldJsonStyle.Exact));

        Assert.Equal(value?.GetType(), back?.GetType());
        switch (value)
        {
            case byte[] bytes: Assert.Equal(bytes, (byte[])back!); break;
            case RawText raw: Assert.Equal(raw.Bytes, ((RawText)back!).Bytes); break;
            case double d when double.IsNaN(d): Assert.True(double.IsNaN((double)back!)); break;
            case decimal m: Assert.Equal(m.ToString(System.Globalization.CultureInfo.InvariantCulture), ((decimal)back!).ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case DateTimeOffset t: Assert.Equal(t, (DateTimeOffset)back!); Assert.Equal(t.Offset, ((DateTimeOffset)back!).Offset); break;
            default: Assert.Equal(value, back); break;
        }
    }

    [Fact]
    public void Nested_tables_and_arrays_keep_their_binary_values()
    {
        var table = new Dictionary<string, object?>
        {
            ["list"] = new List<object?> { new byte[] { 0xfe }, 1L, "x" },
            ["inner"] = new Dictionary<string, object?> { ["raw"] = new RawText([0x80]) },
        };

        var back = Assert.IsType<Dictionary<string, object?>>(Read(Write(table, FieldJsonStyle.Exact)));

        var list = Assert.IsType<List<object?>>(back["list"]);
        Assert.Equal(new byte[] { 0xfe }, list[0]);
        Assert.Equal(new byte[] { 0x80 }, Assert.IsType<RawText>(Assert.IsType<Dictionary<string, object?>>(back["inner"])["raw"]).Bytes);
        Assert.True(FieldValue.TablesEqual(table, back));
    }

    [Fact]
    public void A_table_whose_only_key_is_a_tag_is_wrapped_and_reads_back_as_a_table()
    {
        var table = new Dictionary<string, object?> { ["$binary"] = "not base64 at all" };

        string json = Write(table, FieldJsonStyle.Exact);

        Assert.Equal("""{"$table":{"$binary":"not base64 at all"}}""", json);
        var back = Assert.IsType<Dictionary<string, object?>>(Read(json));
        Assert.Equal("not base64 at all", back["$binary"]);
    }

    [Fact]
    public void The_display_style_shows_binary_as_RabbitMQ_does()
    {
        Assert.Equal("\"ok\"", Write(new byte[] { (byte)'o', (byte)'k' }, FieldJsonStyle.Display));
        Assert.Equal("\"Not UTF-8, base64 is: /wCA\"", Write(new byte[] { 0xff, 0x00, 0x80 }, FieldJsonStyle.Display));
        Assert.Equal("\"Not UTF-8, base64 is: wyg=\"", Write(new RawText([0xc3, 0x28]), FieldJsonStyle.Display));
        // RabbitMQ splits the base64 into MIME lines of 76 characters.
        string long64 = JsonDocument.Parse(Write(Enumerable.Repeat((byte)0xff, 100).ToArray(), FieldJsonStyle.Display)).RootElement.GetString()!;
        Assert.Equal(76, long64[FieldValueJson.NotUtf8Prefix.Length..].IndexOf('\n'));
        Assert.Equal("1764690461", Write(DateTimeOffset.FromUnixTimeSeconds(1764690461), FieldJsonStyle.Display));
        Assert.Equal("1.50", Write(1.50m, FieldJsonStyle.Display));
        Assert.Equal("\"NaN\"", Write(double.NaN, FieldJsonStyle.Display));
    }

    [Fact]
    public void The_base64_style_writes_all_bytes_as_base64()
    {
        Assert.Equal("\"b2s=\"", Write(new byte[] { (byte)'o', (byte)'k' }, FieldJsonStyle.Base64));
        Assert.Equal("\"wyg=\"", Write(new RawText([0xc3, 0x28]), FieldJsonStyle.Base64));
    }

    [Theory]
    [InlineData("""{"$binary":"***"}""")]
    [InlineData("""{"$binary":5}""")]
    [InlineData("""{"$timestamp":"yesterday"}""")]
    [InlineData("""{"$decimal":"one"}""")]
    [InlineData("""{"$attribute":{"type":"String"}}""")]
    [InlineData("""{"$table":[]}""")]
    [InlineData("1e400")]
    public void Malformed_tagged_values_and_numbers_out_of_range_are_a_FormatException(string json) =>
        Assert.Throws<FormatException>(() => Read(json));

    [Fact]
    public void A_number_out_of_range_can_be_read_as_its_text() =>
        Assert.Equal("-1e400", FieldValueJson.Read(JsonDocument.Parse("-1e400").RootElement, outOfRangeAsText: true));

    [Fact]
    public void Two_keys_are_a_table_even_when_one_is_a_tag()
    {
        var back = Assert.IsType<Dictionary<string, object?>>(Read("""{"$binary":"AA==","other":1}"""));
        Assert.Equal("AA==", back["$binary"]);
    }

    [Fact]
    public void Repeated_header_names_write_their_first_value()
    {
        var headers = new MessageHeaders([new MessageHeader("a", 1L), new MessageHeader("a", 2L)]);
        Assert.Equal("""{"a":1}""", Write(headers, FieldJsonStyle.Display));
    }
}
