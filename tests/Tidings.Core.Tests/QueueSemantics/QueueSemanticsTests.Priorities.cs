using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>Priority queues (x-max-priority).</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Priority_queue_delivers_higher_priority_messages_first_and_equal_ones_in_order()
    {
        DeclareQueue("q", ("x-max-priority", 10));
        Publish("q", "none");
        Publish("q", "low", Persistent(priority: 1));
        Publish("q", "high-1", Persistent(priority: 9));
        Publish("q", "mid", Persistent(priority: 5));
        Publish("q", "high-2", Persistent(priority: 9));

        Assert.Equal(["high-1", "high-2", "mid", "low", "none"], Drain("q"));
    }

    [Fact]
    public void Priority_above_the_maximum_counts_as_the_maximum()
    {
        DeclareQueue("q", ("x-max-priority", 5));
        Publish("q", "at-max", Persistent(priority: 5));
        Publish("q", "above-max", Persistent(priority: 200));
        Publish("q", "below", Persistent(priority: 4));

        // Capped to 5, the second message queues behind the first instead of overtaking it.
        Assert.Equal(["at-max", "above-max", "below"], Drain("q"));
    }

    [Fact]
    public void Queue_without_max_priority_ignores_message_priority()
    {
        DeclareQueue("q");
        Publish("q", "1", Persistent(priority: 1));
        Publish("q", "2", Persistent(priority: 9));

        Assert.Equal(["1", "2"], Drain("q"));
    }

    [Fact]
    public void Consumer_waiting_on_a_priority_queue_gets_the_highest_priority_when_it_has_credit_again()
    {
        DeclareQueue("q", ("x-max-priority", 10));
        Channel.SetPrefetch(1, global: false);
        var sink = new RecordingSink();
        Consume("q", sink);
        Publish("q", "first", Persistent(priority: 1));
        Publish("q", "low", Persistent(priority: 1));
        Publish("q", "high", Persistent(priority: 8));

        Channel.Ack(sink.Last.DeliveryTag, multiple: false);

        Assert.Equal(["first", "high"], sink.Bodies);
    }

    [Fact]
    public void Requeued_message_returns_ahead_of_later_messages_of_its_priority()
    {
        DeclareQueue("q", ("x-max-priority", 10));
        Publish("q", "a", Persistent(priority: 3));
        Publish("q", "b", Persistent(priority: 3));
        var got = GetOne("q");
        Publish("q", "c", Persistent(priority: 7));

        Channel.Nack(got.DeliveryTag, multiple: false, requeue: true);

        Assert.Equal(["c", "a", "b"], Drain("q"));
    }
}
