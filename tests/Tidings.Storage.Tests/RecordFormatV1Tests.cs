using System.Text;
using Tidings.Core.Messages;
using Tidings.Storage.Records;

namespace Tidings.Storage.Tests;

/// <summary>
/// A data directory written by record format v1 (TestData/v1, see its README) still opens: every
/// message comes back with its properties, headers and body.
/// </summary>
public sealed class RecordFormatV1Tests : IDisposable
{
    private static readonly string Source = Path.Combine(AppContext.BaseDirectory, "TestData", "v1");
    private readonly TempDirectory _temp = new("tidings-v1");

    public RecordFormatV1Tests() => CopyDirectory(Source, _temp.Path);

    public void Dispose()
    {
        _temp.Dispose();
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string directory in Directory.EnumerateDirectories(from)) CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
    }

    private async Task<List<Message>> RecoverAsync(string virtualHost, string queue)
    {
        var problems = new List<string>();
        var store = new SegmentMessageStore(Path.Combine(_temp.Path, "msgs"), report: problems.Add);
        var messages = new List<Message>();
        store.OpenQueue(virtualHost, queue, (message, _) => messages.Add(message));
        await store.DisposeAsync();
        Assert.Empty(problems);
        return messages;
    }

    [Fact]
    public async Task A_v1_queue_recovers_every_live_message_with_its_properties_headers_and_body_and_not_the_acked_one()
    {
        var messages = await RecoverAsync("/", "orders");
        Assert.Equal(3, messages.Count);

        var first = messages[0];
        Assert.Equal("amq.direct", first.Exchange);
        Assert.Equal("orders", first.RoutingKey);
        Assert.Equal("{\"order\":1}", Encoding.UTF8.GetString(first.Body.Span));
        // v1 kept no absolute expiry: the queue counts the TTL again from recovery.
        Assert.Equal(long.MaxValue, first.ExpiresAtMs);
        var p = first.Properties;
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal("utf-8", p.ContentEncoding);
        Assert.True(p.Durable);
        Assert.Equal((byte)5, p.Priority);
        Assert.Equal("corr-1", p.CorrelationId);
        Assert.Null(p.CorrelationData);
        Assert.Equal("replies", p.ReplyTo);
        Assert.Equal(3_600_000, p.TimeToLiveMs);
        Assert.Equal("m-1", p.MessageId);
        Assert.Equal(1_700_000_000_000, p.TimestampMs);
        Assert.Equal("order.created", p.Type);
        Assert.Equal("guest", p.UserId);
        Assert.Equal("generator", p.AppId);
        // The publisher's exact content-header properties, for AMQP consumers.
        Assert.NotNull(p.Native);
        Assert.Equal(NativeEncoding.Amqp091, p.Native.Protocol);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Source, "orders-1.native")), p.Native.Bytes.ToArray());

        var h = p.Headers!;
        Assert.Equal(
            ["string", "int", "long", "bool", "double", "float", "decimal", "timestamp", "binary", "sbyte", "byte", "short", "ushort", "uint", "void", "table", "array"],
            h.Keys);
        Assert.Equal("héllo", h["string"]);
        Assert.Equal(42, h["int"]);
        Assert.Equal(1L << 40, h["long"]);
        Assert.Equal(true, h["bool"]);
        Assert.Equal(2.5, h["double"]);
        Assert.Equal(1.25f, h["float"]);
        Assert.Equal(12.345m, h["decimal"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), h["timestamp"]);
        Assert.Equal(new byte[] { 0, 1, 2, 0xFF }, h["binary"]);
        Assert.Equal((sbyte)-5, h["sbyte"]);
        Assert.Equal((byte)200, h["byte"]);
        Assert.Equal((short)-300, h["short"]);
        Assert.Equal((ushort)60000, h["ushort"]);
        Assert.Equal(4_000_000_000u, h["uint"]);
        Assert.Null(h["void"]);
        var table = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(h["table"]);
        Assert.Equal("x", table["inner"]);
        Assert.Equal(7, table["n"]);
        var array = Assert.IsAssignableFrom<IList<object?>>(h["array"]);
        Assert.Equal(3, array.Count);
        Assert.Equal(1, array[0]);
        Assert.Equal("two", array[1]);
        Assert.Equal(3L, Assert.Single(Assert.IsAssignableFrom<IList<object?>>(array[2])));

        var second = messages[1];
        Assert.Equal("", second.Exchange);
        Assert.Equal(70_000, second.Body.Length);
        for (int i = 0; i < second.Body.Length; i++) Assert.Equal((byte)(i * 7 + 3), second.Body.Span[i]);
        Assert.Equal(new byte[] { 0xC3, 0x28, 0x41 }, Assert.IsType<RawText>(second.Properties.Headers!["raw"]).Bytes);
        Assert.True(second.Properties.Durable);

        // Made in-process, so v1 wrote its binary correlation data as AMQP does: an x-correlation-id header.
        var fourth = messages[2];
        Assert.Equal("in-process", Encoding.UTF8.GetString(fourth.Body.Span));
        Assert.Equal(new byte[] { 9, 8, 7 }, fourth.Properties.Headers!["x-correlation-id"]);
        Assert.True(fourth.Properties.Durable);
    }

    [Fact]
    public void A_v1_record_with_any_byte_changed_decodes_or_is_invalid_data_never_another_exception()
    {
        // The first record of queue 'orders': every header type, every basic property.
        string segment = Directory.GetFiles(Path.Combine(Source, "msgs"), "*.seg", SearchOption.AllDirectories).OrderByDescending(f => new FileInfo(f).Length).First();
        var file = File.ReadAllBytes(segment);
        int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(file);
        var record = file.AsSpan(RecordFormat.HeaderSize, length).ToArray();
        Assert.Equal("{\"order\":1}", Encoding.UTF8.GetString(MessageRecord.Decode(record).Body.Span));
        foreach (byte value in new byte[] { 0x00, 0x01, 0x7F, 0xFF })
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
    public async Task A_second_v1_queue_in_another_vhost_recovers_too()
    {
        var messages = await RecoverAsync("v-host", "second");
        Assert.Equal(2, messages.Count);
        Assert.Equal(("ex", "rk.a", 0), (messages[0].Exchange, messages[0].RoutingKey, messages[0].Body.Length));
        Assert.Equal((byte)9, messages[0].Properties.Priority);
        Assert.Equal(("ex", "rk.b", "b"), (messages[1].Exchange, messages[1].RoutingKey, Encoding.UTF8.GetString(messages[1].Body.Span)));
        Assert.Equal(0, messages[1].Properties.TimeToLiveMs);
    }
}
