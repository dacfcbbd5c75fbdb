using Tidings.Core.Messages;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>Message TTL: x-message-ttl, per-message expiration, expiry at the head, TTL 0.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Queue_message_ttl_removes_a_message_once_the_time_has_passed()
    {
        var queue = DeclareQueue("q", ("x-message-ttl", 1000));
        Publish("q", "m");

        Time.AdvanceMs(999);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(1);
        Assert.Equal(0, queue.MessageCount);
        Assert.Null(Channel.Get("q", noAck: true));
    }

    [Fact]
    public void Expired_message_is_dead_lettered_with_reason_expired()
    {
        DeclareQueue("dead");
        DeclareQueue("q", ("x-message-ttl", 1000), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead"));
        Publish("q", "m");

        Time.AdvanceMs(1000);

        var dead = GetOne("dead").Message;
        Assert.Equal("m", dead.Text());
        var death = Assert.Single(XDeath(dead));
        Assert.Equal("expired", death["reason"]);
        Assert.Equal("q", death["queue"]);
        Assert.False(death.ContainsKey("original-expiration"));
    }

    [Fact]
    public void Per_message_expiration_is_dead_lettered_with_original_expiration_and_without_expiration()
    {
        DeclareQueue("dead");
        var queue = DeclareQueue("q", ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead"));
        Publish("q", "m", Persistent(expiration: "500"));

        Time.AdvanceMs(499);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(1);

        Assert.Equal(0, queue.MessageCount);
        var dead = GetOne("dead").Message;
        Assert.Null(dead.Properties.TimeToLiveMs);
        var death = Assert.Single(XDeath(dead));
        Assert.Equal("expired", death["reason"]);
        Assert.Equal("500", death["original-expiration"]);
    }

    [Theory]
    [InlineData(1000, "300", 300)]
    [InlineData(300, "1000", 300)]
    [InlineData(400, "400", 400)]
    public void The_shorter_of_queue_ttl_and_message_expiration_applies(int queueTtl, string expiration, int expectedMs)
    {
        var queue = DeclareQueue("q", ("x-message-ttl", queueTtl));
        Publish("q", "m", Persistent(expiration: expiration));

        Time.AdvanceMs(expectedMs - 1);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(1);
        Assert.Equal(0, queue.MessageCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Zero_ttl_message_is_delivered_to_a_waiting_consumer(bool perMessage)
    {
        if (perMessage) DeclareQueue("q");
        else DeclareQueue("q", ("x-message-ttl", 0));
        var sink = new RecordingSink();
        Consume("q", sink);

        Publish("q", "now", perMessage ? Persistent(expiration: "0") : null);

        Assert.Equal(["now"], sink.Bodies);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Zero_ttl_message_is_dropped_when_no_consumer_can_take_it(bool perMessage)
    {
        DeclareQueue("dead");
        var queue = perMessage
            ? DeclareQueue("q", ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead"))
            : DeclareQueue("q", ("x-message-ttl", 0), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead"));
        // A consumer without credit cannot take it either.
        Channel.SetPrefetch(1, global: false);
        var sink = new RecordingSink();
        Consume("q", sink);
        Publish("q", "first");

        Publish("q", "late", perMessage ? Persistent(expiration: "0") : null);

        Assert.Equal(["first"], sink.Bodies);
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal("late", GetOne("dead").Message.Text());
    }

    [Fact]
    public void Requeued_message_keeps_its_original_expiry()
    {
        var queue = DeclareQueue("q", ("x-message-ttl", 1000));
        Publish("q", "m");
        var got = GetOne("q");

        // Unacked messages do not expire; once back in the queue the original deadline applies.
        Time.AdvanceMs(600);
        Channel.Nack(got.DeliveryTag, multiple: false, requeue: true);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(399);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(1);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Message_requeued_after_its_expiry_is_dead_lettered_at_once()
    {
        DeclareQueue("dead");
        var queue = DeclareQueue("q", ("x-message-ttl", 1000), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead"));
        Publish("q", "m");
        var got = GetOne("q");

        Time.AdvanceMs(5000);
        Assert.Equal(0, VHost.FindQueue("dead")!.MessageCount);
        Channel.Nack(got.DeliveryTag, multiple: false, requeue: true);

        Assert.Equal(0, queue.MessageCount);
        Assert.Equal("expired", Assert.Single(XDeath(GetOne("dead").Message))["reason"]);
    }

    [Fact]
    public void Message_behind_a_live_head_expires_only_when_it_reaches_the_head()
    {
        var queue = DeclareQueue("q");
        Publish("q", "lives");
        Publish("q", "short", Persistent(expiration: "100"));

        Time.AdvanceMs(1000);
        Assert.Equal(2, queue.MessageCount);

        Assert.Equal("lives", Channel.Get("q", noAck: true)!.Message.Text());
        Assert.Null(Channel.Get("q", noAck: true));
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Messages_expire_one_after_another_at_their_own_times()
    {
        var queue = DeclareQueue("q", ("x-message-ttl", 1000));
        Publish("q", "1");
        Time.AdvanceMs(300);
        Publish("q", "2");

        Time.AdvanceMs(700);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(299);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(1);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Messages_expiring_within_one_clock_step_are_dead_lettered_in_order_at_their_own_times()
    {
        DeclareQueue("dead");
        DeclareQueue("q", ("x-message-ttl", 10_000), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead"));
        var start = Time.GetUtcNow();
        Publish("q", "1");
        Time.AdvanceMs(2000);
        Publish("q", "2");
        Time.AdvanceMs(2000);
        Publish("q", "3");
        Assert.Equal(0, VHost.FindQueue("dead")!.MessageCount);

        Time.AdvanceMs(60_000);

        var dead = new[] { GetOne("dead"), GetOne("dead"), GetOne("dead") };
        Assert.Equal(["1", "2", "3"], dead.Select(d => d.Message.Text()));
        Assert.Equal(
            [DateTimeOffset.FromUnixTimeSeconds((start.AddSeconds(10)).ToUnixTimeSeconds()), DateTimeOffset.FromUnixTimeSeconds((start.AddSeconds(12)).ToUnixTimeSeconds()), DateTimeOffset.FromUnixTimeSeconds((start.AddSeconds(14)).ToUnixTimeSeconds())],
            dead.Select(d => XDeath(d.Message)[0]["time"]));
    }

    [Fact]
    public void Messages_of_every_priority_level_expire()
    {
        var queue = DeclareQueue("q", ("x-max-priority", 5), ("x-message-ttl", 1000));
        Publish("q", "low", Persistent(priority: 1));
        Time.AdvanceMs(500);
        Publish("q", "high", Persistent(priority: 5));

        Time.AdvanceMs(500);
        Assert.Equal(1, queue.MessageCount);
        Time.AdvanceMs(500);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Expired_messages_are_not_delivered_to_a_consumer_that_gets_credit_late()
    {
        DeclareQueue("q", ("x-message-ttl", 1000));
        Channel.SetPrefetch(1, global: false);
        var sink = new RecordingSink();
        Consume("q", sink);
        Publish("q", "1");
        Publish("q", "2");

        Time.AdvanceMs(1500);
        Channel.Ack(sink.Last.DeliveryTag, multiple: false);
        Publish("q", "3");

        Assert.Equal(["1", "3"], sink.Bodies);
    }

    // Expiration texts that are not numbers ("abc", "1.5") are refused by the adapters that parse
    // them (AMQP's content header, the HTTP APIs); the core refuses TTLs outside RabbitMQ's range.
    [Theory]
    [InlineData(-1L)]
    [InlineData(4_294_967_296L)]
    public void Invalid_expiration_is_refused_with_precondition_failed(long ttl)
    {
        var queue = DeclareQueue("q");

        var error = Assert.Throws<BrokerException>(() => Publish("q", "m", new MessageProperties { Durable = true, TimeToLiveMs = ttl }));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Expiration_property_stays_on_a_message_delivered_before_it_expires()
    {
        DeclareQueue("q");
        var sink = new RecordingSink();
        Consume("q", sink);

        Publish("q", "m", new MessageProperties { Durable = true, TimeToLiveMs = 60000 });

        Assert.Equal(60000L, sink.Last.Message.Properties.TimeToLiveMs);
    }
}
