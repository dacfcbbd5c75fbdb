using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>x-single-active-consumer: one consumer at a time, the next takes over on cancel.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Single_active_consumer_gets_every_message_while_the_others_wait()
    {
        var queue = DeclareQueue("q", ("x-single-active-consumer", true));
        var first = new RecordingSink();
        var second = new RecordingSink();
        var active = Consume("q", first);
        Consume("q", second, OpenSession());

        for (int i = 1; i <= 4; i++) Publish("q", i.ToString());

        Assert.Equal(["1", "2", "3", "4"], first.Bodies);
        Assert.Empty(second.Deliveries);
        Assert.Same(active, queue.ActiveConsumer);
    }

    [Fact]
    public void Single_active_consumer_hands_over_to_the_next_consumer_when_it_cancels()
    {
        var queue = DeclareQueue("q", ("x-single-active-consumer", true));
        Channel.SetPrefetch(1, global: false);
        var first = new RecordingSink();
        var active = Consume("q", first);
        var nextSession = OpenSession();
        var second = new RecordingSink();
        var next = Consume("q", second, nextSession);
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);
        Assert.Equal(["1"], first.Bodies);

        Channel.Cancel(active.Tag);

        Assert.Same(next, queue.ActiveConsumer);
        Assert.Equal(["2", "3"], second.Bodies);
        // The first consumer's unacked message is still its session's to settle.
        Channel.Nack(first.Last.DeliveryTag, multiple: false, requeue: true);
        Assert.Equal(["2", "3", "1"], second.Bodies);
        Assert.True(second.Last.Redelivered);
    }

    [Fact]
    public void Single_active_consumer_that_is_full_does_not_let_the_others_take_messages()
    {
        var queue = DeclareQueue("q", ("x-single-active-consumer", true));
        Channel.SetPrefetch(1, global: false);
        var first = new RecordingSink();
        Consume("q", first);
        var second = new RecordingSink();
        Consume("q", second, OpenSession());

        foreach (var body in new[] { "1", "2" }) Publish("q", body);

        Assert.Equal(["1"], first.Bodies);
        Assert.Empty(second.Deliveries);
        Assert.Equal(1, queue.MessageCount);
    }
}
