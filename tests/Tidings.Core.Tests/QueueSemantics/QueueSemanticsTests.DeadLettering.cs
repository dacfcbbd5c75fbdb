using Tidings.Core.Messages;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>Dead-letter exchanges and the x-death header, as RabbitMQ 3.x writes it.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Nack_without_requeue_dead_letters_with_x_death_header()
    {
        VHost.DeclareExchange("dlx", "fanout", durable: true);
        DeclareQueue("dead");
        VHost.BindQueue("dead", "dlx", "");
        VHost.DeclareExchange("work-x", "direct", durable: true);
        DeclareQueue("work", ("x-dead-letter-exchange", "dlx"));
        VHost.BindQueue("work", "work-x", "job");
        Time.AdvanceMs(90_500);
        var diedAt = DateTimeOffset.FromUnixTimeSeconds(Time.GetUtcNow().ToUnixTimeSeconds());
        Channel.Publish("work-x", "job", "payload", Persistent(headers: TestMessages.Table(("app", "kept"))));

        Channel.Nack(GetOne("work").DeliveryTag, multiple: false, requeue: false);

        var dead = GetOne("dead");
        Assert.False(dead.Redelivered);
        var message = dead.Message;
        Assert.Equal("payload", message.Text());
        Assert.Equal("dlx", message.Exchange);
        Assert.Equal("job", message.RoutingKey);
        Assert.True(message.Properties.Durable);
        var headers = message.Properties.Headers!;
        Assert.Equal("kept", headers["app"]);

        var death = Assert.Single(XDeath(message));
        Assert.Equal(["count", "exchange", "queue", "reason", "routing-keys", "time"], death.Keys);
        Assert.Equal(1L, Assert.IsType<long>(death["count"]));
        Assert.Equal("work-x", death["exchange"]);
        Assert.Equal("work", death["queue"]);
        Assert.Equal("rejected", death["reason"]);
        Assert.Equal(["job"], Assert.IsAssignableFrom<IEnumerable<object?>>(death["routing-keys"]));
        Assert.Equal(diedAt, Assert.IsType<DateTimeOffset>(death["time"]));

        Assert.Equal("work-x", headers["x-first-death-exchange"]);
        Assert.Equal("work", headers["x-first-death-queue"]);
        Assert.Equal("rejected", headers["x-first-death-reason"]);
    }

    [Fact]
    public void Dead_letter_routing_key_replaces_the_routing_key()
    {
        VHost.DeclareExchange("dlx", "direct", durable: true);
        DeclareQueue("by-original");
        DeclareQueue("by-dlrk");
        VHost.BindQueue("by-original", "dlx", "q");
        VHost.BindQueue("by-dlrk", "dlx", "failed");
        DeclareQueue("q", ("x-dead-letter-exchange", "dlx"), ("x-dead-letter-routing-key", "failed"));
        Publish("q", "m");

        Channel.Nack(GetOne("q").DeliveryTag, multiple: false, requeue: false);

        Assert.Equal(0, VHost.FindQueue("by-original")!.MessageCount);
        var dead = GetOne("by-dlrk").Message;
        Assert.Equal("failed", dead.RoutingKey);
        // x-death keeps the routing keys the message was published with.
        Assert.Equal(["q"], Assert.IsAssignableFrom<IEnumerable<object?>>(Assert.Single(XDeath(dead))["routing-keys"]));
    }

    [Fact]
    public void Without_dead_letter_routing_key_the_original_routing_key_is_used()
    {
        VHost.DeclareExchange("dlx", "direct", durable: true);
        DeclareQueue("dead");
        VHost.BindQueue("dead", "dlx", "q");
        DeclareQueue("q", ("x-dead-letter-exchange", "dlx"));
        Publish("q", "m");

        Channel.Nack(GetOne("q").DeliveryTag, multiple: false, requeue: false);

        Assert.Equal("q", GetOne("dead").Message.RoutingKey);
    }

    [Fact]
    public void Dead_lettering_to_a_missing_exchange_drops_the_message()
    {
        var queue = DeclareQueue("q", ("x-dead-letter-exchange", "not-declared"));
        Publish("q", "m");

        Channel.Nack(GetOne("q").DeliveryTag, multiple: false, requeue: false);

        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
    }

    [Fact]
    public void Dead_letter_routing_key_drops_the_cc_header_while_x_death_keeps_the_cc_keys()
    {
        VHost.DeclareExchange("dlx", "direct", durable: true);
        DeclareQueue("dead");
        DeclareQueue("cc-target");
        VHost.BindQueue("dead", "dlx", "failed");
        VHost.BindQueue("cc-target", "dlx", "cc-key");
        DeclareQueue("q", ("x-dead-letter-exchange", "dlx"), ("x-dead-letter-routing-key", "failed"));
        Publish("q", "m", Persistent(headers: TestMessages.Table(("CC", new List<object?> { "cc-key" }))));

        Channel.Nack(GetOne("q").DeliveryTag, multiple: false, requeue: false);

        Assert.Equal(0, VHost.FindQueue("cc-target")!.MessageCount);
        var dead = GetOne("dead").Message;
        Assert.False(dead.Properties.Headers!.ContainsKey("CC"));
        Assert.Equal(["q", "cc-key"], Assert.IsAssignableFrom<IEnumerable<object?>>(Assert.Single(XDeath(dead))["routing-keys"]));
    }

    [Fact]
    public void Dying_again_in_the_same_queue_for_the_same_reason_increments_the_count()
    {
        // A retry loop: rejected messages go back to the same queue through the default exchange.
        DeclareQueue("retry", ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "retry"));
        Publish("retry", "m");
        var firstDeath = Time.GetUtcNow();

        for (int i = 0; i < 3; i++)
        {
            Channel.Nack(GetOne("retry").DeliveryTag, multiple: false, requeue: false);
            Time.AdvanceMs(2000);
        }

        var death = Assert.Single(XDeath(GetOne("retry").Message));
        Assert.Equal(3L, death["count"]);
        Assert.Equal("rejected", death["reason"]);
        Assert.Equal("retry", death["queue"]);
        // The entry keeps the time of the first death; only the count moves.
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((firstDeath).ToUnixTimeSeconds()), death["time"]);
    }

    [Fact]
    public void Deaths_in_different_queues_are_listed_most_recent_first_and_first_death_headers_stay()
    {
        DeclareQueue("final");
        DeclareQueue("b", ("x-message-ttl", 100), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "final"));
        DeclareQueue("a", ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "b"));
        Publish("a", "m");

        Channel.Nack(GetOne("a").DeliveryTag, multiple: false, requeue: false);
        Time.AdvanceMs(100);

        var message = GetOne("final").Message;
        var deaths = XDeath(message);
        Assert.Equal(2, deaths.Count);
        Assert.Equal(("b", "expired"), ((string?)deaths[0]["queue"], (string?)deaths[0]["reason"]));
        Assert.Equal(("a", "rejected"), ((string?)deaths[1]["queue"], (string?)deaths[1]["reason"]));
        Assert.Equal("", deaths[1]["exchange"]);
        Assert.Equal("", deaths[0]["exchange"]);
        Assert.Equal(["b"], Assert.IsAssignableFrom<IEnumerable<object?>>(deaths[0]["routing-keys"]));
        var headers = message.Properties.Headers!;
        Assert.Equal("a", headers["x-first-death-queue"]);
        Assert.Equal("rejected", headers["x-first-death-reason"]);
        Assert.Equal("", headers["x-first-death-exchange"]);
    }

    [Fact]
    public void Dead_letter_cycle_without_rejections_drops_the_message_instead_of_looping()
    {
        var a = DeclareQueue("a", ("x-message-ttl", 100), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "b"));
        var b = DeclareQueue("b", ("x-message-ttl", 100), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "a"));
        Publish("a", "m");

        Time.AdvanceMs(100);
        Assert.Equal((0, 1), (a.MessageCount, b.MessageCount));
        Time.AdvanceMs(100);
        Assert.Equal((0, 0), (a.MessageCount, b.MessageCount));
        Time.AdvanceMs(10_000);
        Assert.Equal((0, 0), (a.MessageCount, b.MessageCount));
    }

    [Fact]
    public void Queue_dead_lettering_expired_messages_to_itself_drops_them()
    {
        var queue = DeclareQueue("q", ("x-message-ttl", 100), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "q"));
        Publish("q", "m");

        Time.AdvanceMs(100);

        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Dead_letter_cycle_with_a_rejection_keeps_going()
    {
        var a = DeclareQueue("a", ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "b"));
        var b = DeclareQueue("b", ("x-message-ttl", 100), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "a"));
        Publish("a", "m");

        for (int round = 1; round <= 3; round++)
        {
            Channel.Nack(GetOne("a").DeliveryTag, multiple: false, requeue: false);
            Assert.Equal((0, 1), (a.MessageCount, b.MessageCount));
            Time.AdvanceMs(100);
            Assert.Equal((1, 0), (a.MessageCount, b.MessageCount));
        }

        var deaths = XDeath(GetOne("a").Message);
        Assert.Equal(2, deaths.Count);
        Assert.Equal(("b", "expired", 3L), ((string?)deaths[0]["queue"], (string?)deaths[0]["reason"], (long?)deaths[0]["count"]));
        Assert.Equal(("a", "rejected", 3L), ((string?)deaths[1]["queue"], (string?)deaths[1]["reason"], (long?)deaths[1]["count"]));
    }

    [Fact]
    public void Dead_lettered_message_reaches_every_queue_bound_to_the_dead_letter_exchange()
    {
        VHost.DeclareExchange("dlx", "fanout", durable: true);
        DeclareQueue("dead-1");
        DeclareQueue("dead-2");
        VHost.BindQueue("dead-1", "dlx", "");
        VHost.BindQueue("dead-2", "dlx", "");
        DeclareQueue("q", ("x-dead-letter-exchange", "dlx"));
        Publish("q", "m");

        Channel.Nack(GetOne("q").DeliveryTag, multiple: false, requeue: false);

        Assert.Equal(["m"], Drain("dead-1"));
        Assert.Equal(["m"], Drain("dead-2"));
    }

    [Fact]
    public void Multiple_nack_without_requeue_dead_letters_each_message_in_order()
    {
        DeclareQueue("dead");
        DeclareQueue("q", ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead"));
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);
        GetOne("q");
        GetOne("q");
        var last = GetOne("q");

        Channel.Nack(last.DeliveryTag, multiple: true, requeue: false);

        Assert.Equal(["1", "2", "3"], Drain("dead"));
    }
}
