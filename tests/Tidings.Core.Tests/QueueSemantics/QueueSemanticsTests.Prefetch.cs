using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>basic.qos: per-consumer (global=false) and per-session (global=true) prefetch.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Per_consumer_prefetch_limits_each_consumer_separately()
    {
        var queue = DeclareQueue("q");
        Channel.SetPrefetch(2, global: false);
        var a = new RecordingSink();
        var b = new RecordingSink();
        Consume("q", a);
        Consume("q", b);

        for (int i = 1; i <= 10; i++) Publish("q", i.ToString());

        Assert.Equal(2, a.Deliveries.Count);
        Assert.Equal(2, b.Deliveries.Count);
        Assert.Equal(6, queue.MessageCount);
        Assert.Equal(4, queue.UnackedCount);
    }

    [Fact]
    public void Acking_under_per_consumer_prefetch_lets_that_consumer_take_the_next_message()
    {
        DeclareQueue("q");
        Channel.SetPrefetch(1, global: false);
        var sink = new RecordingSink();
        Consume("q", sink);
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);
        Assert.Equal(["1"], sink.Bodies);

        Channel.Ack(sink.Last.DeliveryTag, multiple: false);
        Assert.Equal(["1", "2"], sink.Bodies);
        Channel.Nack(sink.Last.DeliveryTag, multiple: false, requeue: false);
        Assert.Equal(["1", "2", "3"], sink.Bodies);
    }

    [Fact]
    public void Per_consumer_prefetch_applies_only_to_consumers_created_after_it_is_set()
    {
        DeclareQueue("q");
        var unlimited = new RecordingSink();
        Consume("q", unlimited);
        Channel.SetPrefetch(1, global: false);

        for (int i = 1; i <= 3; i++) Publish("q", i.ToString());

        Assert.Equal(3, unlimited.Deliveries.Count);
    }

    [Fact]
    public void Global_prefetch_is_shared_by_all_consumers_of_the_session()
    {
        var queue = DeclareQueue("q");
        Channel.SetPrefetch(3, global: true);
        var a = new RecordingSink();
        var b = new RecordingSink();
        Consume("q", a);
        Consume("q", b);

        for (int i = 1; i <= 10; i++) Publish("q", i.ToString());

        Assert.Equal(3, a.Deliveries.Count + b.Deliveries.Count);
        Assert.Equal(7, queue.MessageCount);

        Channel.Ack(a.Deliveries[0].DeliveryTag, multiple: false);
        Assert.Equal(4, a.Deliveries.Count + b.Deliveries.Count);
        Assert.Equal(6, queue.MessageCount);
    }

    [Fact]
    public void Global_prefetch_spans_consumers_on_different_queues()
    {
        DeclareQueue("q1");
        DeclareQueue("q2");
        Channel.SetPrefetch(1, global: true);
        var first = new RecordingSink();
        var second = new RecordingSink();
        Consume("q1", first);
        Consume("q2", second);

        Publish("q1", "a");
        Publish("q2", "b");
        Assert.Equal(["a"], first.Bodies);
        Assert.Empty(second.Deliveries);

        Channel.Ack(first.Last.DeliveryTag, multiple: false);
        Assert.Equal(["b"], second.Bodies);
    }

    [Fact]
    public void No_ack_consumer_ignores_prefetch_and_leaves_nothing_unacked()
    {
        var queue = DeclareQueue("q");
        Channel.SetPrefetch(1, global: false);
        var sink = new RecordingSink();
        Consume("q", sink, noAck: true);

        for (int i = 1; i <= 5; i++) Publish("q", i.ToString());

        Assert.Equal(5, sink.Deliveries.Count);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, Channel.UnackedCount);
    }

    [Fact]
    public void Raising_the_prefetch_delivers_waiting_messages()
    {
        DeclareQueue("q");
        Channel.SetPrefetch(1, global: true);
        var sink = new RecordingSink();
        Consume("q", sink);
        for (int i = 1; i <= 3; i++) Publish("q", i.ToString());
        Assert.Single(sink.Deliveries);

        Channel.SetPrefetch(0, global: true);

        Assert.Equal(["1", "2", "3"], sink.Bodies);
    }

    [Fact]
    public void Pausing_flow_holds_deliveries_until_it_resumes()
    {
        var queue = DeclareQueue("q");
        var sink = new RecordingSink();
        Consume("q", sink);

        Channel.SetFlow(false);
        Publish("q", "1");
        Publish("q", "2");
        Assert.Empty(sink.Deliveries);
        Assert.Equal(2, queue.MessageCount);

        Channel.SetFlow(true);
        Assert.Equal(["1", "2"], sink.Bodies);
    }
}
