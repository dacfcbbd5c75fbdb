using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>Ack, multiple ack, nack and reject, requeue order, unknown tags, recovery on close.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Acked_message_leaves_the_queue_for_good()
    {
        var queue = DeclareQueue("q");
        var sink = new RecordingSink();
        var consumer = Consume("q", sink);
        Publish("q", "m");
        Assert.Equal(1, queue.UnackedCount);

        Channel.Ack(sink.Last.DeliveryTag, multiple: false);
        Channel.Cancel(consumer.Tag);
        Channel.Recover();

        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, queue.MessageCount);
        Assert.Single(sink.Deliveries);
    }

    [Fact]
    public void Multiple_ack_settles_every_delivery_up_to_and_including_the_tag()
    {
        var queue = DeclareQueue("q");
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);
        var tags = Enumerable.Range(0, 3).Select(_ => GetOne("q").DeliveryTag).ToList();

        Channel.Ack(tags[1], multiple: true);

        Assert.Equal(1, queue.UnackedCount);
        Assert.Equal(1, Channel.UnackedCount);
        // The third is still outstanding: acking it alone works, acking the first again does not.
        Channel.Ack(tags[2], multiple: false);
        Assert.Equal(BrokerError.PreconditionFailed,
            Assert.Throws<BrokerException>(() => Channel.Ack(tags[0], multiple: false)).Error);
    }

    [Fact]
    public void Multiple_ack_with_tag_zero_settles_every_outstanding_delivery()
    {
        var queue = DeclareQueue("q");
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);
        for (int i = 0; i < 3; i++) GetOne("q");

        Channel.Ack(0, multiple: true);

        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, Channel.UnackedCount);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Ack_of_an_unknown_delivery_tag_fails_with_precondition_failed()
    {
        DeclareQueue("q");
        Publish("q", "m");
        var tag = GetOne("q").DeliveryTag;

        Assert.Equal(BrokerError.PreconditionFailed,
            Assert.Throws<BrokerException>(() => Channel.Ack(tag + 100, multiple: false)).Error);
        Channel.Ack(tag, multiple: false);
        // A second ack of the same tag is an unknown tag too.
        Assert.Equal(BrokerError.PreconditionFailed,
            Assert.Throws<BrokerException>(() => Channel.Ack(tag, multiple: false)).Error);
        Assert.Equal(BrokerError.PreconditionFailed,
            Assert.Throws<BrokerException>(() => Channel.Nack(tag, multiple: false, requeue: true)).Error);
    }

    [Fact]
    public void Nack_with_requeue_redelivers_the_message_marked_redelivered()
    {
        DeclareQueue("q");
        var sink = new RecordingSink();
        Consume("q", sink);
        Publish("q", "m");

        Channel.Nack(sink.Last.DeliveryTag, multiple: false, requeue: true);

        Assert.Equal(2, sink.Deliveries.Count);
        Assert.False(sink.Deliveries[0].Redelivered);
        Assert.True(sink.Deliveries[1].Redelivered);
        Assert.Equal("m", sink.Deliveries[1].Message.Text());
        Assert.NotEqual(sink.Deliveries[0].DeliveryTag, sink.Deliveries[1].DeliveryTag);
    }

    [Fact]
    public void Requeued_messages_return_to_their_original_positions_whatever_the_nack_order()
    {
        DeclareQueue("q");
        foreach (var body in new[] { "1", "2", "3", "4" }) Publish("q", body);
        var first = GetOne("q");
        var second = GetOne("q");

        // Rejected newest first: they still come back as 1, 2, ahead of 3 and 4.
        Channel.Nack(second.DeliveryTag, multiple: false, requeue: true);
        Channel.Nack(first.DeliveryTag, multiple: false, requeue: true);

        var again = Enumerable.Range(0, 4).Select(_ => Channel.Get("q", noAck: true)!).ToList();
        Assert.Equal(["1", "2", "3", "4"], again.Select(g => g.Message.Text()));
        Assert.Equal([true, true, false, false], again.Select(g => g.Redelivered));
    }

    [Fact]
    public void Multiple_nack_with_requeue_puts_consumed_messages_back_ahead_of_later_ones()
    {
        DeclareQueue("q");
        Channel.SetPrefetch(3, global: false);
        var sink = new RecordingSink();
        Consume("q", sink);
        foreach (var body in new[] { "1", "2", "3", "4", "5" }) Publish("q", body);
        Assert.Equal(["1", "2", "3"], sink.Bodies);

        Channel.Nack(sink.Last.DeliveryTag, multiple: true, requeue: true);

        Assert.Equal(["1", "2", "3", "1", "2", "3"], sink.Bodies);
        Assert.Equal([false, false, false, true, true, true], sink.Deliveries.Select(d => d.Redelivered));
    }

    [Fact]
    public void Reject_without_requeue_and_without_dead_letter_exchange_drops_the_message()
    {
        var queue = DeclareQueue("q");
        Publish("q", "m");

        Channel.Nack(GetOne("q").DeliveryTag, multiple: false, requeue: false);

        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Null(Channel.Get("q", noAck: true));
    }

    [Fact]
    public void Closing_a_session_requeues_its_unacked_messages_as_redelivered_in_order()
    {
        DeclareQueue("q");
        var closing = OpenSession();
        var firstSink = new RecordingSink();
        Consume("q", firstSink, closing);
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);
        closing.Ack(firstSink.Deliveries[1].DeliveryTag, multiple: false);
        var otherSink = new RecordingSink();
        Consume("q", otherSink);
        Assert.Empty(otherSink.Deliveries);

        closing.Close();

        Assert.Equal(["1", "3"], otherSink.Bodies);
        Assert.All(otherSink.Deliveries, d => Assert.True(d.Redelivered));
    }

    [Fact]
    public void Closing_the_connection_requeues_unacked_messages_from_basic_get()
    {
        var queue = DeclareQueue("q");
        Publish("q", "m");
        var connection = Broker.OpenConnection(Broker.FindUser("guest")!, "/", "test");
        var session = connection.OpenSession(1);
        Assert.NotNull(session.Get("q", noAck: false));
        Assert.Equal(0, queue.MessageCount);

        connection.Dispose();

        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
        Assert.True(GetOne("q").Redelivered);
    }

    [Fact]
    public void Recover_requeues_every_unacked_delivery_of_the_session()
    {
        var queue = DeclareQueue("q");
        foreach (var body in new[] { "1", "2" }) Publish("q", body);
        GetOne("q");
        GetOne("q");

        Channel.Recover();

        Assert.Equal(0, Channel.UnackedCount);
        Assert.Equal(2, queue.MessageCount);
        Assert.Equal(["1", "2"], Drain("q"));
    }
}
