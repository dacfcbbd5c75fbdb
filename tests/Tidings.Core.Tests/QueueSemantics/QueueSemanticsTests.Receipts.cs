using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Sessions;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>
/// What the SQS adapter builds on beyond a plain receive: receipt tokens found again from a later
/// request, visibility changed under the same handle, message groups (SQS FIFO), the first
/// delivery's time and the delayed count.
/// </summary>
public abstract partial class QueueSemanticsTests
{
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);

    /// <summary>A persistent message in group <paramref name="group"/> (x-message-group-id).</summary>
    private PublishResult PublishInGroup(string queue, string body, string group) =>
        Publish(queue, body, Persistent(headers: TestMessages.Table((MessageQueue.GroupIdHeader, group))));

    private static List<string> BodiesOf(List<QueueDelivery> deliveries) => [.. deliveries.Select(d => d.Message.Text())];

    // ---- receipt tokens ----

    [Fact]
    public void Token_of_a_received_delivery_finds_its_handle()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));

        Assert.True(VHost.TryFindDelivery("q", got.Handle.Token, out var found));
        Assert.Equal(got.Handle, found);
        Assert.Equal(1, VHost.Settle([found], Settlement.Ack));
    }

    [Fact]
    public void Token_is_stale_after_ack()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));
        Settle(got, Settlement.Ack);

        Assert.False(VHost.TryFindDelivery("q", got.Handle.Token, out var found));
        Assert.True(found.IsEmpty);
    }

    [Fact]
    public void Token_is_stale_after_the_visibility_timeout_returns_the_delivery()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));

        Time.Advance(Visibility);

        Assert.False(VHost.TryFindDelivery("q", got.Handle.Token, out _));
        // The redelivery has a token of its own.
        var again = Assert.Single(Receive("q", 1, Visibility));
        Assert.NotEqual(got.Handle.Token, again.Handle.Token);
        Assert.True(VHost.TryFindDelivery("q", again.Handle.Token, out _));
    }

    [Fact]
    public void Token_is_stale_after_purge_and_the_purged_delivery_does_not_come_back()
    {
        var queue = DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));

        VHost.PurgeQueue("q");

        Assert.False(VHost.TryFindDelivery("q", got.Handle.Token, out _));
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, Settle(got, Settlement.Ack));
        Time.Advance(Visibility);
        Assert.Empty(Receive("q", 1, Visibility));
    }

    [Fact]
    public void Token_is_not_found_for_a_missing_queue_or_a_consumer_delivery()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));
        Assert.False(VHost.TryFindDelivery("no-such-queue", got.Handle.Token, out _));

        Publish("q", "b");
        var sink = new RecordingSink();
        Consume("q", sink);
        var pushed = Assert.Single(sink.Deliveries);
        Assert.False(VHost.TryFindDelivery("q", pushed.Handle.Token, out _));
    }

    // ---- visibility ----

    [Fact]
    public void Extended_visibility_keeps_the_handle_valid_and_ack_works()
    {
        var queue = DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));

        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, VHost.ChangeVisibility([got.Handle], TimeSpan.FromSeconds(60)));
        Time.Advance(TimeSpan.FromSeconds(50)); // past the old deadline, before the new one

        Assert.Equal(1, queue.UnackedCount);
        Assert.Empty(Receive("q", 1, Visibility));
        Assert.True(VHost.TryFindDelivery("q", got.Handle.Token, out _));
        Assert.Equal(1, Settle(got, Settlement.Ack));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(Receive("q", 1, Visibility));
    }

    [Fact]
    public void Extended_visibility_returns_the_delivery_at_the_new_deadline()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));
        VHost.ChangeVisibility([got.Handle], TimeSpan.FromSeconds(60));

        Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(Receive("q", 1, Visibility));
        Time.Advance(TimeSpan.FromSeconds(1));

        var again = Assert.Single(Receive("q", 1, Visibility));
        Assert.True(again.Redelivered);
        Assert.Equal(0, Settle(got, Settlement.Ack));
    }

    [Fact]
    public void Shortened_visibility_releases_the_delivery_earlier()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));

        Assert.Equal(1, VHost.ChangeVisibility([got.Handle], TimeSpan.FromSeconds(5)));
        Assert.True(VHost.TryFindDelivery("q", got.Handle.Token, out _));
        Time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(VHost.TryFindDelivery("q", got.Handle.Token, out _));
        var again = Assert.Single(Receive("q", 1, Visibility));
        Assert.Equal(2, again.DeliveryCount);
        // The original deadline (30 s) passing later changes nothing; the redelivery's is at 35 s.
        Time.Advance(TimeSpan.FromSeconds(25));
        Assert.True(VHost.TryFindDelivery("q", again.Handle.Token, out _));
    }

    [Fact]
    public void Zero_visibility_releases_the_delivery_now_and_stales_its_handle()
    {
        var queue = DeclareQueue("q");
        Publish("q", "a");
        var got = Assert.Single(Receive("q", 1, Visibility));

        Assert.Equal(1, VHost.ChangeVisibility([got.Handle], TimeSpan.Zero));

        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(0, VHost.ChangeVisibility([got.Handle], Visibility));
        Assert.Equal(0, Settle(got, Settlement.Ack));
        var again = Assert.Single(Receive("q", 1, Visibility));
        Assert.True(again.Redelivered);
    }

    [Fact]
    public void Change_visibility_skips_consumer_deliveries()
    {
        DeclareQueue("q");
        Publish("q", "a");
        var sink = new RecordingSink();
        Consume("q", sink);

        Assert.Equal(0, VHost.ChangeVisibility([Assert.Single(sink.Deliveries).Handle], TimeSpan.Zero));
        Assert.Equal(1, VHost.FindQueue("q")!.UnackedCount);
    }

    // ---- message groups ----

    [Fact]
    public void Group_with_a_delivery_out_is_skipped_by_later_receives_and_other_groups_flow()
    {
        DeclareQueue("q", ("x-message-groups", true));
        PublishInGroup("q", "a1", "a");
        PublishInGroup("q", "a2", "a");
        PublishInGroup("q", "b1", "b");

        var first = Assert.Single(Receive("q", 1, Visibility));
        Assert.Equal("a1", first.Message.Text());

        Assert.Equal(["b1"], BodiesOf(Receive("q", 10, Visibility)));
        Assert.Empty(Receive("q", 10, Visibility));
        Assert.Equal(1, VHost.FindQueue("q")!.MessageCount); // a2 waits in place
    }

    [Fact]
    public void One_receive_takes_several_messages_of_a_free_group_in_order()
    {
        DeclareQueue("q", ("x-message-groups", true));
        PublishInGroup("q", "a1", "a");
        PublishInGroup("q", "b1", "b");
        PublishInGroup("q", "a2", "a");
        PublishInGroup("q", "a3", "a");

        Assert.Equal(["a1", "b1", "a2"], BodiesOf(Receive("q", 3, Visibility)));
        Assert.Empty(Receive("q", 10, Visibility)); // a3: its group is out
    }

    [Fact]
    public void Group_is_unblocked_by_the_ack_of_its_last_out_delivery()
    {
        DeclareQueue("q", ("x-message-groups", true));
        PublishInGroup("q", "a1", "a");
        PublishInGroup("q", "a2", "a");
        PublishInGroup("q", "a3", "a");
        var batch = Receive("q", 2, Visibility);
        Assert.Equal(["a1", "a2"], BodiesOf(batch));

        Settle(batch[0], Settlement.Ack);
        Assert.Empty(Receive("q", 10, Visibility)); // a2 is still out
        Settle(batch[1], Settlement.Ack);

        Assert.Equal(["a3"], BodiesOf(Receive("q", 10, Visibility)));
    }

    [Fact]
    public void Group_is_unblocked_by_visibility_expiry_and_keeps_its_order()
    {
        DeclareQueue("q", ("x-message-groups", true));
        PublishInGroup("q", "a1", "a");
        PublishInGroup("q", "a2", "a");
        PublishInGroup("q", "b1", "b");
        Assert.Equal("a1", Assert.Single(Receive("q", 1, Visibility)).Message.Text());
        Assert.Equal(["b1"], BodiesOf(Receive("q", 10, Visibility)));

        Time.Advance(Visibility);

        // a1 is back before a2; b1 came back too, after them.
        var again = Receive("q", 10, Visibility);
        Assert.Equal(["a1", "a2", "b1"], BodiesOf(again));
        Assert.True(again[0].Redelivered);
        Assert.False(again[1].Redelivered);
    }

    [Fact]
    public void Group_is_unblocked_by_zero_visibility_and_by_requeue()
    {
        DeclareQueue("q", ("x-message-groups", true));
        PublishInGroup("q", "a1", "a");
        PublishInGroup("q", "a2", "a");

        var first = Assert.Single(Receive("q", 1, Visibility));
        VHost.ChangeVisibility([first.Handle], TimeSpan.Zero);
        var second = Assert.Single(Receive("q", 1, Visibility));
        Assert.Equal("a1", second.Message.Text());

        Settle(second, Settlement.Requeue);
        Assert.Equal(["a1", "a2"], BodiesOf(Receive("q", 10, Visibility)));
    }

    [Fact]
    public void Consumer_delivery_blocks_its_group_for_receivers()
    {
        DeclareQueue("q", ("x-message-groups", true));
        var sink = new RecordingSink();
        var consumer = Consume("q", sink);
        PublishInGroup("q", "a1", "a");
        Channel.Cancel(consumer.Tag);
        PublishInGroup("q", "a2", "a");
        PublishInGroup("q", "b1", "b");

        Assert.Equal(["b1"], BodiesOf(Receive("q", 10, Visibility)));

        Channel.Ack(Assert.Single(sink.Deliveries).DeliveryTag, multiple: false);
        Assert.Equal(["a2"], BodiesOf(Receive("q", 10, Visibility)));
    }

    [Fact]
    public void Messages_without_a_group_are_each_their_own_group()
    {
        DeclareQueue("q", ("x-message-groups", true));
        Publish("q", "x");
        Publish("q", "y");
        Assert.Equal(["x"], BodiesOf(Receive("q", 1, Visibility)));
        Assert.Equal(["y"], BodiesOf(Receive("q", 1, Visibility)));
    }

    [Fact]
    public async Task Long_poll_on_a_grouped_queue_waits_while_every_ready_message_is_blocked()
    {
        DeclareQueue("q", ("x-message-groups", true));
        PublishInGroup("q", "a1", "a");
        PublishInGroup("q", "a2", "a");
        var first = Assert.Single(Receive("q", 1, Visibility));

        var ready = VHost.WhenReadyAsync("q", user: null, CancellationToken.None);
        Assert.False(ready.IsCompleted);

        Settle(first, Settlement.Ack);
        await ready.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["a2"], BodiesOf(Receive("q", 10, Visibility)));
    }

    [Fact]
    public void Message_groups_argument_is_compared_on_redeclare()
    {
        DeclareQueue("q", ("x-message-groups", true));
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareQueue("q", durable: true));
        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.True(VHost.FindQueue("q")!.Settings.MessageGroups);
    }

    // ---- first delivery time, delayed count ----

    [Fact]
    public void First_delivered_time_stays_the_first_on_redelivery()
    {
        DeclareQueue("q");
        Publish("q", "a");
        long start = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var first = Assert.Single(Receive("q", 1, Visibility));
        Assert.Equal(start, first.FirstDeliveredAtMs);

        Time.Advance(Visibility);
        var second = Assert.Single(Receive("q", 1, Visibility));
        Settle(second, Settlement.Requeue);
        Time.Advance(TimeSpan.FromSeconds(3));
        var third = Assert.Single(Receive("q", 1, Visibility));

        Assert.Equal(3, third.DeliveryCount);
        Assert.Equal(start, second.FirstDeliveredAtMs);
        Assert.Equal(start, third.FirstDeliveredAtMs);
    }

    [Fact]
    public void Delayed_count_covers_delivery_delays_and_requeues_after_a_delay()
    {
        var queue = DeclareQueue("q");
        VHost.SendToQueue("q", new Message("", "q", Persistent(), TestMessages.Body("later")), TimeSpan.FromSeconds(5));
        Publish("q", "now");
        Assert.Equal(1, queue.DelayedCount);

        var got = Assert.Single(Receive("q", 1, Visibility));
        Settle(got, Settlement.RequeueAfterDelay, TimeSpan.FromSeconds(10));
        Assert.Equal(2, queue.DelayedCount);
        Assert.Equal(0, queue.MessageCount);

        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, queue.DelayedCount);
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, queue.DelayedCount);
        Assert.Equal(2, queue.MessageCount);
    }
}
