using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>
/// Deliveries settled by handle, delivery counts, the connectionless receive with its visibility
/// timeout, and delivery delays: what MQTT, SQS and the REST get build on.
/// </summary>
public abstract partial class QueueSemanticsTests
{
    /// <summary>Receives up to <paramref name="max"/> messages from <paramref name="queue"/> with a visibility timeout.</summary>
    private List<QueueDelivery> Receive(string queue, int max, TimeSpan visibility)
    {
        var into = new List<QueueDelivery>();
        VHost.Receive(queue, user: null, max, visibility, into);
        return into;
    }

    private int Settle(QueueDelivery delivery, Settlement how, TimeSpan delay = default) =>
        VHost.Settle([delivery.Handle], how, delay);

    [Fact]
    public void Received_message_acked_by_handle_leaves_the_queue_for_good()
    {
        var queue = DeclareQueue("q");
        Publish("q", "a");

        var got = Assert.Single(Receive("q", 10, TimeSpan.FromSeconds(30)));
        Assert.Equal("a", got.Message.Text());
        Assert.Equal(1, queue.UnackedCount);
        Assert.Equal(1, Settle(got, Settlement.Ack));

        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, queue.MessageCount);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(Receive("q", 10, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Settling_a_handle_twice_settles_once()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));

        Assert.Equal(1, Settle(got, Settlement.Requeue));
        Assert.Equal(0, Settle(got, Settlement.Ack));
        Assert.Equal(1, VHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public void Requeued_by_handle_comes_back_redelivered_with_its_delivery_count_increased()
    {
        DeclareQueue("q");
        Publish("q", "a");

        var first = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));
        Assert.False(first.Redelivered);
        Assert.Equal(1, first.DeliveryCount);
        Settle(first, Settlement.Requeue);

        var second = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));
        Assert.True(second.Redelivered);
        Assert.Equal(2, second.DeliveryCount);
        Assert.NotEqual(first.Handle, second.Handle);
        Assert.Equal(0, Settle(first, Settlement.Ack)); // the first handle is stale now
        Assert.Equal(1, Settle(second, Settlement.Ack));
    }

    [Fact]
    public void Consumer_deliveries_carry_a_handle_and_a_delivery_count_that_grows_with_each_redelivery()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var sink = new RecordingSink();
        Consume("q", sink);

        var first = Assert.Single(sink.Deliveries);
        Assert.Equal(1, first.DeliveryCount);
        Assert.False(first.Handle.IsEmpty);
        Channel.Nack(first.DeliveryTag, multiple: false, requeue: true);

        Assert.Equal(2, sink.Deliveries.Count);
        Assert.Equal(2, sink.Deliveries[1].DeliveryCount);
        Assert.True(sink.Deliveries[1].Redelivered);
    }

    [Fact]
    public void Rejected_by_handle_is_dead_lettered()
    {
        VHost.DeclareExchange("dlx", "fanout", durable: true);
        DeclareQueue("dead");
        VHost.BindQueue("dead", "dlx", "");
        DeclareQueue("q", ("x-dead-letter-exchange", "dlx"));
        Publish("q", "a");

        var got = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Settle(got, Settlement.Reject));

        Assert.Equal(0, VHost.FindQueue("q")!.MessageCount);
        var dead = Assert.Single(Receive("dead", 10, TimeSpan.FromSeconds(30)));
        Assert.Equal("a", dead.Message.Text());
        Assert.Equal("rejected", Assert.Single(XDeath(dead.Message))["reason"]);
    }

    [Fact]
    public void Received_message_not_settled_in_time_returns_to_the_queue_on_its_own()
    {
        var queue = DeclareQueue("q");
        Publish("q", "a");

        var got = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));
        Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(Receive("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, queue.UnackedCount);

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(0, Settle(got, Settlement.Ack)); // too late: the handle went stale when it returned
        var again = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));
        Assert.True(again.Redelivered);
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public void Returned_message_goes_to_a_waiting_consumer()
    {
        DeclareQueue("q");
        Publish("q", "a");
        Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(5)));
        var sink = new RecordingSink();
        Consume("q", sink);
        Assert.Empty(sink.Deliveries);

        Time.Advance(TimeSpan.FromSeconds(5));

        var delivery = Assert.Single(sink.Deliveries);
        Assert.True(delivery.Redelivered);
    }

    [Fact]
    public void Requeued_after_a_delay_is_invisible_until_the_delay_passes()
    {
        var queue = DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));

        Assert.Equal(1, Settle(got, Settlement.RequeueAfterDelay, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, queue.MessageCount);
        Assert.Empty(Receive("q", 1, TimeSpan.FromSeconds(30)));

        Time.Advance(TimeSpan.FromSeconds(10));
        var again = Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));
        Assert.Equal("a", again.Message.Text());
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public void Message_sent_with_a_delivery_delay_is_not_delivered_before_it()
    {
        var queue = DeclareQueue("q");
        var sink = new RecordingSink();
        Consume("q", sink);

        var message = new Message("", "q", Persistent(), TestMessages.Body("later"));
        Assert.Equal(EnqueueResult.Accepted, VHost.SendToQueue("q", message, TimeSpan.FromSeconds(5)));
        VHost.SendToQueue("q", new Message("", "q", Persistent(), TestMessages.Body("now")));

        Assert.Equal(["now"], sink.Bodies);
        Assert.Equal(1, ((MessageQueue)queue).WaitingCount);
        Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(["now"], sink.Bodies);

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["now", "later"], sink.Bodies);
        Assert.Equal(0, ((MessageQueue)queue).WaitingCount);
    }

    [Fact]
    public async Task Long_poll_wakes_when_a_message_arrives()
    {
        DeclareQueue("q");
        var ready = VHost.WhenReadyAsync("q", user: null, CancellationToken.None);
        Assert.False(ready.IsCompleted);

        Publish("q", "a");

        await ready.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(Receive("q", 1, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cancelled_long_poll_ends_with_cancellation()
    {
        DeclareQueue("q");
        using var cancel = new CancellationTokenSource();
        var ready = VHost.WhenReadyAsync("q", user: null, cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ready);
    }

    [Fact]
    public void Connectionless_receive_is_refused_on_an_exclusive_queue()
    {
        var owner = Broker.OpenConnection(Broker.FindUser("guest")!, "/", "test");
        VHost.DeclareQueue("mine", exclusive: true, caller: owner);

        var error = Assert.Throws<BrokerException>(() =>
            VHost.Receive("mine", Broker.FindUser("guest"), 1, TimeSpan.FromSeconds(1), []));
        Assert.Equal(BrokerError.ResourceLocked, error.Error);
    }
}
