using System.Buffers;
using System.Text;
using Tidings.Core.Messages;
using Tidings.Storage.Records;

namespace Tidings.Storage.Tests;

/// <summary>Record format v2 keeps the protocol-neutral message exactly: every field, every header value type.</summary>
public sealed class RecordFormatV2Tests : IDisposable
{
    private readonly TempDirectory _temp = new("tidings-v2");

    public void Dispose()
    {
        _temp.Dispose();
    }

    private static Message RoundTrip(Message message)
    {
        var pool = ArrayPool<byte>.Create();
        var buffer = MessageRecord.Encode(message, pool, out int length);
        Assert.Equal(MessageRecordV2.Version, buffer[0]);
        Assert.Equal(MessageRecordV2.GetSize(message), length);
        // A copy: the decoded message must not depend on the pooled buffer.
        var record = buffer.AsSpan(0, length).ToArray();
        pool.Return(buffer);
        return MessageRecord.Decode(record);
    }

    private static Message Persistent(MessageProperties properties, string body = "body") =>
        new("ex", "key", properties, Encoding.UTF8.GetBytes(body));

    [Fact]
    public void Every_property_and_the_body_come_back()
    {
        var properties = new MessageProperties
        {
            ContentType = "text/plain",
            ContentEncoding = "gzip",
            Durable = false,
            Priority = 0,
            CorrelationId = "c-1",
            CorrelationData = [0, 1, 0xFE],
            ReplyTo = "reply",
            TimeToLiveMs = 0,
            MessageId = "id",
            TimestampMs = -5,
            Type = "t",
            UserId = "u",
            AppId = "app",
        };
        var back = RoundTrip(new Message("exchangé", "routing.kéy", properties, Encoding.UTF8.GetBytes("hello")));
        Assert.Equal(("exchangé", "routing.kéy", "hello"), (back.Exchange, back.RoutingKey, Encoding.UTF8.GetString(back.Body.Span)));
        var p = back.Properties;
        Assert.Equal("text/plain", p.ContentType);
        Assert.Equal("gzip", p.ContentEncoding);
        Assert.False(p.Durable);
        Assert.Equal((byte)0, p.Priority);
        Assert.Equal("c-1", p.CorrelationId);
        Assert.Equal(new byte[] { 0, 1, 0xFE }, p.CorrelationData);
        Assert.Equal("reply", p.ReplyTo);
        Assert.Equal(0, p.TimeToLiveMs);
        Assert.Equal("id", p.MessageId);
        Assert.Equal(-5, p.TimestampMs);
        Assert.Equal("t", p.Type);
        Assert.Equal("u", p.UserId);
        Assert.Equal("app", p.AppId);
        Assert.Null(p.Headers);
        Assert.Null(p.Native);
        Assert.Equal(long.MaxValue, back.ExpiresAtMs);
    }

    [Fact]
    public void Absent_properties_stay_absent_and_no_properties_reads_as_the_shared_empty_instance()
    {
        var back = RoundTrip(new Message("", "", MessageProperties.Empty, ReadOnlyMemory<byte>.Empty));
        Assert.Same(MessageProperties.Empty, back.Properties);
        Assert.Equal(0, back.Body.Length);
        var durableOnly = RoundTrip(Persistent(new MessageProperties { Durable = true })).Properties;
        Assert.True(durableOnly.Durable);
        Assert.Null(durableOnly.Priority);
        Assert.Null(durableOnly.TimeToLiveMs);
        Assert.Null(durableOnly.CorrelationData);
    }

    [Fact]
    public void The_absolute_expiry_is_kept_so_a_ttl_keeps_counting_from_the_publish()
    {
        var message = Message.Restored("ex", "key", new MessageProperties { Durable = true, TimeToLiveMs = 60_000 }, new byte[3], 1_700_000_060_000);
        var back = RoundTrip(message);
        Assert.Equal(1_700_000_060_000, back.ExpiresAtMs);
        Assert.Equal(60_000, back.Properties.TimeToLiveMs);
    }

    [Fact]
    public void The_native_encoding_comes_back_byte_for_byte_with_its_protocol()
    {
        byte[] native = [0x90, 0x04, 0x02, 0x01, 0x61, 0xFF];
        var back = RoundTrip(Persistent(new MessageProperties { Durable = true, Native = new NativeEncoding(NativeEncoding.Amqp091, native) }));
        Assert.Equal(NativeEncoding.Amqp091, back.Properties.Native!.Protocol);
        Assert.Equal(native, back.Properties.Native.Bytes.ToArray());
        var other = RoundTrip(Persistent(new MessageProperties { Native = new NativeEncoding("mqtt-5", ReadOnlyMemory<byte>.Empty) }));
        Assert.Equal("mqtt-5", other.Properties.Native!.Protocol);
        Assert.Equal(0, other.Properties.Native.Bytes.Length);
    }

    public static TheoryData<string, object?> Values() => new()
    {
        { "null", null },
        { "true", true },
        { "false", false },
        { "sbyte", (sbyte)-128 },
        { "byte", (byte)255 },
        { "short", short.MinValue },
        { "ushort", ushort.MaxValue },
        { "int", int.MinValue },
        { "uint", uint.MaxValue },
        { "long", long.MinValue },
        { "ulong", ulong.MaxValue },
        { "float", -1.5f },
        { "float NaN", float.NaN },
        { "double", double.Epsilon },
        { "decimal", 79228162514264337593543950335m },
        { "decimal scale", -0.0000000000000000000000000001m },
        { "decimal trailing zeros", 1.2300m },
        { "string", "héllo ✓" },
        { "empty string", "" },
        { "bytes", new byte[] { 0, 0xFF, 0x80 } },
        { "timestamp", new DateTimeOffset(2024, 2, 29, 13, 14, 15, 678, TimeSpan.FromHours(5.5)) },
        { "timestamp utc", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123) },
        { "raw text", new RawText([0xC3, 0x28]) },
        { "attribute text", new AttributeValue("Number.float", "3.25") },
        { "attribute bytes", new AttributeValue("Binary.png", new byte[] { 1, 2 }) },
        { "amqp decimal", new AttributeValue("amqp.decimal", "12345/30") },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void A_header_value_comes_back_as_the_same_type_and_value(string name, object? value)
    {
        var back = RoundTrip(Persistent(new MessageProperties { Headers = new MessageHeaders([new(name, value)]) })).Properties.Headers!;
        var header = Assert.Single(back);
        Assert.Equal(name, header.Name);
        if (value is null)
        {
            Assert.Null(header.Value);
            return;
        }
        Assert.IsType(value.GetType(), header.Value);
        switch (value)
        {
            case byte[] bytes: Assert.Equal(bytes, (byte[])header.Value!); break;
            case RawText text: Assert.Equal(text.Bytes, ((RawText)header.Value!).Bytes); break;
            case decimal m:
                Assert.Equal(m, (decimal)header.Value!);
                Assert.Equal(m.Scale, ((decimal)header.Value!).Scale);
                break;
            case DateTimeOffset t:
                Assert.Equal(t, (DateTimeOffset)header.Value!);
                Assert.Equal(t.Offset, ((DateTimeOffset)header.Value!).Offset);
                break;
            default: Assert.Equal(value, header.Value); break;
        }
    }

    [Fact]
    public void Repeated_header_names_come_back_in_order()
    {
        var headers = new MessageHeaders([new("a", 1), new("b", "x"), new("a", 2L), new("a", null), new("b", "y")]);
        var back = RoundTrip(Persistent(new MessageProperties { Headers = headers })).Properties.Headers!;
        Assert.True(back.HasRepeatedNames);
        Assert.Equal(headers.Select(h => h.Name), back.Select(h => h.Name));
        Assert.Equal(headers.Select(h => h.Value), back.Select(h => h.Value));
        Assert.Empty(RoundTrip(Persistent(new MessageProperties { Headers = MessageHeaders.Empty })).Properties.Headers!);
    }

    [Fact]
    public void Nested_tables_arrays_and_headers_keep_their_shape()
    {
        var nested = new MessageHeaders([new("k", 1), new("k", 2)]);
        var table = new Dictionary<string, object?>
        {
            ["inner"] = new Dictionary<string, object?> { ["deep"] = new List<object?> { 1, "two", null, new byte[] { 3 } } },
            ["when"] = DateTimeOffset.FromUnixTimeSeconds(0),
        };
        var headers = new MessageHeaders([
            new("table", table),
            new("array", new object?[] { 1.5, new List<object?> { true } }),
            new("headers", nested),
            new("x-death", new List<object?> { new Dictionary<string, object?> { ["count"] = 1L, ["queue"] = "q" } }),
        ]);
        var back = RoundTrip(Persistent(new MessageProperties { Headers = headers })).Properties.Headers!;

        var t = Assert.IsType<Dictionary<string, object?>>(back["table"]);
        var inner = Assert.IsType<Dictionary<string, object?>>(t["inner"]);
        var deep = Assert.IsType<List<object?>>(inner["deep"]);
        Assert.Equal(1, deep[0]);
        Assert.Equal("two", deep[1]);
        Assert.Null(deep[2]);
        Assert.Equal(new byte[] { 3 }, deep[3]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(0), t["when"]);

        var array = Assert.IsType<List<object?>>(back["array"]);
        Assert.Equal(1.5, array[0]);
        Assert.Equal(true, Assert.Single(Assert.IsType<List<object?>>(array[1])));

        var h = Assert.IsType<MessageHeaders>(back["headers"]);
        Assert.Equal([("k", (object?)1), ("k", 2)], h.Select(x => (x.Name, x.Value)));

        var death = Assert.IsType<Dictionary<string, object?>>(Assert.Single(Assert.IsType<List<object?>>(back["x-death"])));
        Assert.Equal(1L, death["count"]);
        Assert.Equal("q", death["queue"]);
    }

    [Fact]
    public void Encoding_a_record_into_a_pooled_buffer_allocates_nothing()
    {
        var pool = ArrayPool<byte>.Create();
        var message = new Message("amq.topic", "sensor.42.temp", new MessageProperties
        {
            Durable = true,
            ContentType = "application/json",
            TimestampMs = 1,
            Headers = new MessageHeaders([new("a", 1), new("b", "text"), new("c", new Dictionary<string, object?> { ["n"] = 2L }), new("d", 1.5m)]),
            Native = new NativeEncoding(NativeEncoding.Amqp091, new byte[40]),
        }, new byte[128]);
        for (int i = 0; i < 10; i++) pool.Return(MessageRecord.Encode(message, pool, out _));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) pool.Return(MessageRecord.Encode(message, pool, out _));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_cycle_in_the_headers_is_refused_when_encoding_not_looped_over()
    {
        var cycle = new List<object?>();
        cycle.Add(cycle);
        Assert.Throws<ArgumentException>(() =>
            MessageRecord.Encode(Persistent(new MessageProperties { Headers = new MessageHeaders([new("c", cycle)]) }), ArrayPool<byte>.Shared, out _));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 3, 0, 0 })]
    [InlineData(new byte[] { 2 })]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 9 })]
    [InlineData(new byte[] { 2, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 1 })]
    public void A_malformed_or_unknown_record_is_invalid_data(byte[] record) =>
        Assert.Throws<InvalidDataException>(() => MessageRecord.Decode(record));

    [Fact]
    public void Every_truncation_of_a_full_record_is_invalid_data_never_another_exception()
    {
        var message = Message.Restored("ex", "key", new MessageProperties
        {
            ContentType = "a",
            Headers = new MessageHeaders([new("t", new Dictionary<string, object?> { ["x"] = 1.5m }), new("d", DateTimeOffset.UnixEpoch)]),
            Durable = true,
            CorrelationData = [1],
            Native = new NativeEncoding("p", new byte[] { 1, 2 }),
        }, ReadOnlyMemory<byte>.Empty, 42);
        var buffer = MessageRecord.Encode(message, ArrayPool<byte>.Shared, out int length);
        var record = buffer.AsSpan(0, length).ToArray();
        ArrayPool<byte>.Shared.Return(buffer);
        // The body runs to the end, so with an empty body every shorter prefix cuts a field.
        for (int cut = 0; cut < length; cut++)
            Assert.Throws<InvalidDataException>(() => MessageRecord.Decode(record.AsMemory(0, cut)));
        Assert.Equal(42, MessageRecord.Decode(record).ExpiresAtMs);
    }

    [Fact]
    public void A_record_with_any_byte_changed_decodes_or_is_invalid_data_never_another_exception()
    {
        var message = Message.Restored("ex", "key", new MessageProperties
        {
            ContentType = "a",
            Priority = 1,
            Headers = new MessageHeaders([
                new("t", new Dictionary<string, object?> { ["x"] = 1.5m, ["y"] = new List<object?> { 1, "s" } }),
                new("d", DateTimeOffset.UnixEpoch),
                new("a", new AttributeValue("Number", "1")),
                new("h", new MessageHeaders([new("k", 1.5f)])),
            ]),
            CorrelationData = [1],
            Native = new NativeEncoding("p", new byte[] { 1, 2 }),
        }, new byte[] { 7 }, 42);
        var buffer = MessageRecord.Encode(message, ArrayPool<byte>.Shared, out int length);
        var record = buffer.AsSpan(0, length).ToArray();
        ArrayPool<byte>.Shared.Return(buffer);
        foreach (byte value in new byte[] { 0x00, 0x01, 0x7F, 0x80, 0xFF })
        {
            for (int at = 0; at < record.Length; at++)
            {
                var changed = (byte[])record.Clone();
                changed[at] = value;
                try
                {
                    MessageRecord.Decode(changed);
                }
                catch (InvalidDataException)
                {
                }
            }
        }
    }

    [Fact]
    public async Task A_record_of_an_unknown_version_is_reported_and_skipped_by_recovery_and_the_rest_recovered()
    {
        var problems = new List<string>();
        string dir = Path.Combine(_temp.Path, "msgs");
        var store = new SegmentMessageStore(dir, report: problems.Add);
        var log = store.OpenQueue("/", "q", (_, _) => { });
        var written = new List<Task>();
        foreach (string body in new[] { "one", "two" })
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            log.Append(Persistent(new MessageProperties { Durable = true }, body), s => ((TaskCompletionSource)s!).SetResult(), done);
            written.Add(done.Task);
        }
        await Task.WhenAll(written);
        await store.DisposeAsync();

        // Rewrite the first record as version 9 with a valid checksum: only the message format is unknown.
        string segment = Directory.GetFiles(dir, "*.seg", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(segment);
        int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        bytes[RecordFormat.HeaderSize] = 9;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), RecordFormat.Checksum(bytes.AsSpan(RecordFormat.HeaderSize, length)));
        File.WriteAllBytes(segment, bytes);

        store = new SegmentMessageStore(dir, report: problems.Add);
        var recovered = new List<string>();
        store.OpenQueue("/", "q", (m, _) => recovered.Add(Encoding.UTF8.GetString(m.Body.Span)));
        await store.DisposeAsync();
        Assert.Equal(["two"], recovered);
        Assert.Contains(problems, p => p.Contains("unknown message record version 9") && p.Contains("skipped"));
    }

    [Fact]
    public async Task A_message_comes_back_from_the_store_after_a_restart_with_its_expiry_and_native_bytes()
    {
        string dir = Path.Combine(_temp.Path, "msgs");
        var store = new SegmentMessageStore(dir);
        var log = store.OpenQueue("/", "q", (_, _) => { });
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var message = Message.Restored("amq.topic", "a.b", new MessageProperties
        {
            Durable = true,
            TimeToLiveMs = 1000,
            Headers = new MessageHeaders([new("n", 1), new("n", 2)]),
            Native = new NativeEncoding(NativeEncoding.Amqp091, new byte[] { 0x12, 0x34 }),
        }, new byte[100_000], 1_800_000_000_000);
        log.Append(message, s => ((TaskCompletionSource)s!).SetResult(), done);
        await done.Task;
        await store.DisposeAsync();

        store = new SegmentMessageStore(dir);
        var recovered = new List<Message>();
        store.OpenQueue("/", "q", (m, _) => recovered.Add(m));
        await store.DisposeAsync();
        var back = Assert.Single(recovered);
        Assert.Equal(1_800_000_000_000, back.ExpiresAtMs);
        Assert.Equal(100_000, back.Body.Length);
        Assert.Equal(new byte[] { 0x12, 0x34 }, back.Properties.Native!.Bytes.ToArray());
        Assert.Equal(2, back.Properties.Headers!.Count);
    }
}
