using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Sessions;
using Tidings.Core.Storage;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Queues.Streams;

/// <summary>The stream kind in the core, with the in-memory log and a manual clock: starts, credit, positions, retention, refusals.</summary>
public sealed class StreamQueueTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly Broker _broker;

    public StreamQueueTests() => _broker = new Broker(new BrokerOptions(), _time);

    public void Dispose() => _broker.Dispose();

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    private StreamQueue Declare(string name = "s", params (string Key, object? Value)[] extra)
    {
        var arguments = TestMessages.Table([("x-queue-type", "stream"), .. extra]);
        VHost.DeclareQueue(name, durable: true, arguments: arguments);
        return (StreamQueue)VHost.FindQueue(name)!;
    }

    private void Append(string stream, int count, string prefix = "m", int from = 0)
    {
        for (int i = from; i < from + count; i++) VHost.Publish("", stream, $"{prefix}{i}");
    }

    private static Session WithPrefetch(Session session, ushort prefetch)
    {
        session.SetPrefetch(prefetch, global: false);
        return session;
    }

    private Consumer Consume(Session session, RecordingSink sink, object? offset = null, string? tag = null, bool track = false)
    {
        var arguments = new Dictionary<string, object?>();
        if (offset is not null) arguments["x-stream-offset"] = offset;
        if (track) arguments["x-stream-automatic-offset-tracking"] = true;
        return session.Consume("s", tag, noAck: false, exclusive: false, arguments, sink);
    }

    private static long OffsetOf(Delivery delivery) => (long)delivery.Message.Properties.Headers!["x-stream-offset"]!;

    [Fact]
    public void Every_start_form_picks_its_offset()
    {
        Declare();
        Append("s", 5);
        _time.Advance(TimeSpan.FromHours(2));
        Append("s", 5, from: 5);
        var cases = new (object? Offset, long Expected)[]
        {
            ("first", 0), ("last", 9), (7L, 7), (3, 3), (_time.GetUtcNow().AddMinutes(-1), 5), ("1h", 5), ("3h", 0), (99L, 10),
        };
        foreach (var (offset, expected) in cases)
        {
            var sink = new RecordingSink();
            var session = WithPrefetch(_broker.OpenGuestSession(), 100);
            Consume(session, sink, offset);
            if (expected < 10) Assert.Equal(expected, OffsetOf(sink.Deliveries[0]));
            else Assert.Empty(sink.Deliveries);
            Assert.Equal(10 - expected, sink.Deliveries.Count);
            session.Close();
        }
    }

    [Fact]
    public void Next_is_the_default_and_sees_only_later_messages()
    {
        Declare();
        Append("s", 3);
        var sink = new RecordingSink();
        Consume(WithPrefetch(_broker.OpenGuestSession(), 10), sink);
        Assert.Empty(sink.Deliveries);
        Append("s", 2, from: 3);
        Assert.Equal(["m3", "m4"], sink.Bodies);
    }

    [Fact]
    public void Prefetch_is_credit_and_acks_remove_nothing()
    {
        var stream = Declare();
        Append("s", 10);
        var sink = new RecordingSink();
        var session = WithPrefetch(_broker.OpenGuestSession(), 3);
        Consume(session, sink, "first");
        Assert.Equal(3, sink.Deliveries.Count);
        session.Ack(sink.Deliveries[^1].DeliveryTag, multiple: true);
        Assert.Equal(6, sink.Deliveries.Count);
        session.Ack(0, multiple: true);
        session.Ack(0, multiple: true);
        session.Ack(0, multiple: true);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}"), sink.Bodies);
        Assert.Equal(10, stream.MessageCount);
        Assert.Equal(0, stream.UnackedCount);
    }

    [Fact]
    public void Consumers_far_behind_the_in_memory_tail_read_from_the_log_in_order()
    {
        Declare();
        // More than the tail holds, so the first consumer reads through a cursor and then joins the tail.
        Append("s", 20_000);
        var sink = new RecordingSink();
        var session = WithPrefetch(_broker.OpenGuestSession(), 1000);
        Consume(session, sink, "first");
        while (sink.Deliveries.Count < 20_000)
        {
            int before = sink.Deliveries.Count;
            session.Ack(0, multiple: true);
            Assert.True(sink.Deliveries.Count > before, "acks gave credit for more");
        }
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (long)i), sink.Deliveries.Select(OffsetOf));
    }

    [Fact]
    public void A_tracked_consumer_resumes_after_its_last_ack_under_the_same_tag()
    {
        var stream = Declare();
        Append("s", 10);
        var sink = new RecordingSink();
        var session = WithPrefetch(_broker.OpenGuestSession(), 4);
        Consume(session, sink, "first", tag: "reader", track: true);
        session.Ack(sink.Deliveries[2].DeliveryTag, multiple: true);
        session.Close();
        Assert.Equal(3, stream.PositionOf("reader"));

        var again = new RecordingSink();
        Consume(WithPrefetch(_broker.OpenGuestSession(2), 100), again, "first", tag: "reader", track: true);
        Assert.Equal(Enumerable.Range(3, 7).Select(i => $"m{i}"), again.Bodies);
    }

    [Fact]
    public void A_void_x_stream_offset_tracks_from_the_first_message()
    {
        var stream = Declare();
        Append("s", 4);
        var sink = new RecordingSink();
        var session = WithPrefetch(_broker.OpenGuestSession(), 10);
        session.Consume("s", "v", noAck: false, exclusive: false, new Dictionary<string, object?> { ["x-stream-offset"] = null }, sink);
        Assert.Equal(4, sink.Deliveries.Count);
        session.Ack(0, multiple: true);
        Assert.Equal(4, stream.PositionOf("v"));
    }

    [Fact]
    public void Named_positions_read_and_advance_without_a_consumer()
    {
        var stream = Declare();
        Append("s", 5);
        var read = new List<StreamEntry>();
        Assert.Equal(5, stream.Lag("p"));
        Assert.Equal(2, stream.ReadAndAdvance("p", 2, read));
        Assert.Equal(3, stream.Lag("p"));
        Assert.Equal(3, stream.ReadAndAdvance("p", 10, read));
        Assert.Equal(0, stream.ReadAndAdvance("p", 10, read));
        Assert.Equal([0L, 1, 2, 3, 4], read.Select(e => e.Offset));
        Assert.Equal(5, stream.PositionOf("p"));
        Assert.Equal(5, stream.Lag("other"));
    }

    [Fact]
    public void Retention_by_size_deletes_whole_old_segments_and_readers_move_on()
    {
        var stream = Declare("s", ("x-max-length-bytes", 2000L), ("x-stream-max-segment-size-bytes", 500L));
        Append("s", 100, prefix: "payload-");
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(stream.SizeBytes <= 2000 + 500, $"size {stream.SizeBytes}");
        Assert.True(stream.FirstOffset > 0);
        var sink = new RecordingSink();
        Consume(WithPrefetch(_broker.OpenGuestSession(), 1000), sink, "first");
        Assert.Equal(stream.FirstOffset, OffsetOf(sink.Deliveries[0]));
        Assert.Equal(99, OffsetOf(sink.Deliveries[^1]));
    }

    [Fact]
    public void Retention_by_age_deletes_segments_whose_newest_message_is_older()
    {
        var stream = Declare("s", ("x-max-age", "10s"), ("x-stream-max-segment-size-bytes", 200L));
        Append("s", 20, prefix: "old-");
        _time.Advance(TimeSpan.FromSeconds(30));
        Append("s", 20, prefix: "new-");
        _time.Advance(TimeSpan.FromSeconds(2));
        var read = new List<StreamEntry>();
        stream.ReadAndAdvance("p", 100, read);
        Assert.All(read, e => Assert.StartsWith("new-", e.Message.Text()));
        Assert.True(read.Count >= 1);
    }

    [Theory]
    [InlineData(true, false, true, "invalid property 'exclusive-owner'")]
    [InlineData(false, true, true, "invalid property 'auto-delete'")]
    [InlineData(false, false, false, "invalid property 'non-durable'")]
    public void Declarations_a_stream_cannot_have_are_refused(bool exclusive, bool autoDelete, bool durable, string text)
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareQueue("s", durable, exclusive, autoDelete,
            TestMessages.Table(("x-queue-type", "stream")), caller: null));
        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.StartsWith(text, error.Message);
        Assert.Null(VHost.FindQueue("s"));
    }

    [Fact]
    public void Classic_only_arguments_and_bad_ages_are_refused()
    {
        var error = Assert.Throws<BrokerException>(() => Declare("s", ("x-max-length", 5)));
        Assert.Contains("invalid arg 'x-max-length'", error.Message);
        error = Assert.Throws<BrokerException>(() => Declare("s", ("x-max-age", "7 days")));
        Assert.Contains("invalid arg 'x-max-age'", error.Message);
        Assert.Null(VHost.FindQueue("s"));
    }

    [Fact]
    public void Get_no_ack_consumers_consumers_without_prefetch_and_purge_are_refused()
    {
        Declare();
        var session = _broker.OpenGuestSession();
        Assert.Equal(BrokerError.NotImplemented, Assert.Throws<BrokerException>(() => session.Get("s", noAck: false)).Error);
        Assert.Equal(BrokerError.NotImplemented, Assert.Throws<BrokerException>(() =>
            session.Consume("s", null, noAck: true, exclusive: false, null, new RecordingSink())).Error);
        var noPrefetch = Assert.Throws<BrokerException>(() => session.Consume("s", null, noAck: false, exclusive: false, null, new RecordingSink()));
        Assert.Equal(BrokerError.PreconditionFailed, noPrefetch.Error);
        Assert.Contains("prefetch", noPrefetch.Message);
        Assert.Equal(BrokerError.PreconditionFailed, Assert.Throws<BrokerException>(() => VHost.PurgeQueue("s")).Error);
        Assert.Equal(BrokerError.PreconditionFailed, Assert.Throws<BrokerException>(() =>
            session.Consume("s", null, noAck: false, exclusive: false, new Dictionary<string, object?> { ["x-stream-offset"] = "sometime" }, new RecordingSink())).Error);
    }
}
