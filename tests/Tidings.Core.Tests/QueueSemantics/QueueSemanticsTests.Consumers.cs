using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>Round-robin, cancel, exclusive consumers, consumer priorities, queue deletion.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Equal_consumers_receive_messages_in_turn()
    {
        DeclareQueue("q");
        var a = new RecordingSink();
        var b = new RecordingSink();
        var c = new RecordingSink();
        Consume("q", a);
        Consume("q", b);
        Consume("q", c);

        for (int i = 1; i <= 7; i++) Publish("q", i.ToString());

        Assert.Equal(["1", "4", "7"], a.Bodies);
        Assert.Equal(["2", "5"], b.Bodies);
        Assert.Equal(["3", "6"], c.Bodies);
    }

    [Fact]
    public void Cancelled_consumer_receives_nothing_more_and_messages_stay_ready()
    {
        var queue = DeclareQueue("q");
        var sink = new RecordingSink();
        var consumer = Consume("q", sink);
        Publish("q", "before");

        Assert.True(Channel.Cancel(consumer.Tag));
        Publish("q", "after");

        Assert.Equal(["before"], sink.Bodies);
        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(0, queue.ConsumerCount);
        Assert.False(Channel.Cancel(consumer.Tag));
    }

    [Fact]
    public void Unacked_deliveries_of_a_cancelled_consumer_can_still_be_acked()
    {
        var queue = DeclareQueue("q");
        var sink = new RecordingSink();
        var consumer = Consume("q", sink);
        Publish("q", "m");

        Channel.Cancel(consumer.Tag);
        Assert.Equal(1, queue.UnackedCount);
        Channel.Ack(sink.Last.DeliveryTag, multiple: false);

        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Reusing_a_consumer_tag_in_the_same_session_is_refused()
    {
        DeclareQueue("q");
        Consume("q", new RecordingSink(), tag: "t");

        var error = Assert.Throws<BrokerException>(() => Consume("q", new RecordingSink(), tag: "t"));
        Assert.Equal(BrokerError.NotAllowed, error.Error);
    }

    [Fact]
    public void Consuming_from_a_missing_queue_fails_with_not_found()
    {
        var error = Assert.Throws<BrokerException>(() => Consume("missing", new RecordingSink()));
        Assert.Equal(BrokerError.NotFound, error.Error);
    }

    [Fact]
    public void Exclusive_consumer_keeps_other_consumers_out()
    {
        DeclareQueue("q");
        var exclusive = new RecordingSink();
        Consume("q", exclusive, exclusive: true);

        var error = Assert.Throws<BrokerException>(() => Consume("q", new RecordingSink(), OpenSession()));
        Assert.Equal(BrokerError.AccessRefused, error.Error);
        Publish("q", "m");
        Assert.Equal(["m"], exclusive.Bodies);
    }

    [Fact]
    public void Exclusive_consume_on_a_queue_that_has_consumers_is_refused()
    {
        DeclareQueue("q");
        Consume("q", new RecordingSink());

        var error = Assert.Throws<BrokerException>(() => Consume("q", new RecordingSink(), OpenSession(), exclusive: true));
        Assert.Equal(BrokerError.AccessRefused, error.Error);
    }

    [Fact]
    public void After_the_exclusive_consumer_cancels_others_may_consume()
    {
        DeclareQueue("q");
        var consumer = Consume("q", new RecordingSink(), exclusive: true);
        Channel.Cancel(consumer.Tag);

        var sink = new RecordingSink();
        Consume("q", sink, OpenSession());
        Publish("q", "m");

        Assert.Equal(["m"], sink.Bodies);
    }

    [Fact]
    public void Higher_priority_consumer_gets_messages_while_it_has_credit_and_lower_ones_get_the_rest()
    {
        DeclareQueue("q");
        var highSession = OpenSession();
        highSession.SetPrefetch(2, global: false);
        var high = new RecordingSink();
        Consume("q", high, highSession, priority: 10);
        var low = new RecordingSink();
        Consume("q", low, OpenSession(), priority: 1);

        for (int i = 1; i <= 4; i++) Publish("q", i.ToString());
        Assert.Equal(["1", "2"], high.Bodies);
        Assert.Equal(["3", "4"], low.Bodies);

        // Credit back on the high-priority consumer: it is served first again.
        highSession.Ack(high.Deliveries[0].DeliveryTag, multiple: false);
        Publish("q", "5");
        Assert.Equal(["1", "2", "5"], high.Bodies);
        Assert.Equal(["3", "4"], low.Bodies);
    }

    [Fact]
    public void Consumer_registered_later_with_higher_priority_takes_precedence()
    {
        DeclareQueue("q");
        var low = new RecordingSink();
        Consume("q", low);
        var high = new RecordingSink();
        Consume("q", high, OpenSession(), priority: 5);

        Publish("q", "1");
        Publish("q", "2");

        Assert.Equal(["1", "2"], high.Bodies);
        Assert.Empty(low.Deliveries);
    }

    [Fact]
    public void Deleting_a_queue_cancels_its_consumers_through_the_sink()
    {
        DeclareQueue("q");
        var sink = new RecordingSink();
        var consumer = Consume("q", sink);

        VHost.DeleteQueue("q");

        Assert.Same(consumer, Assert.Single(sink.Cancelled));
        Assert.Empty(Channel.Consumers);
        Assert.False(consumer.IsActive);
        // The tag is free again, as the client was told the consumer is gone.
        DeclareQueue("q");
        Consume("q", new RecordingSink(), tag: consumer.Tag);
    }
}
