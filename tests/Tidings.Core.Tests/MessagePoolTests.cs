using System.Text;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Core.Tests.Support;
using Xunit;

namespace Tidings.Core.Tests;

/// <summary>
/// Pooled messages are reused only after their last reference is gone, and never under anyone
/// who may still read them. Debug builds fill returned bodies with 0xDB, so a body read after
/// its reuse shows up as garbage here.
/// </summary>
public sealed class MessagePoolTests : IDisposable
{
    private readonly Broker _broker = new(new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 });

    public void Dispose() => _broker.Dispose();

    /// <summary>Publishes <paramref name="text"/> the way a protocol adapter does: rent, fill, publish, release.</summary>
    private static void PublishPooled(Session session, string exchange, string routingKey, string text, MessageProperties? properties = null)
    {
        var message = session.Connection.VirtualHost.Broker.Messages.Rent(exchange, routingKey, properties ?? MessageProperties.Empty,
            Encoding.UTF8.GetByteCount(text));
        Encoding.UTF8.GetBytes(text, MessagePool.BodyBuffer(message).Span);
        try
        {
            session.Publish(message);
        }
        finally
        {
            MessagePool.ReleasePublisherReference(message);
        }
    }

    /// <summary>Copies each body during Deliver, as the AMQP writer does, so the broker may reuse the message.</summary>
    private sealed class CopyingSink : IConsumerSink
    {
        public readonly List<(ulong Tag, string Body)> Received = [];
        public bool CopiesDuringDeliver => true;
        public void Deliver(in Delivery delivery) => Received.Add((delivery.DeliveryTag, delivery.Message.Text()));
        public void CancelledByBroker(Consumer consumer) { }
    }

    [Fact]
    public void Acked_messages_go_back_to_the_pool_and_are_reused()
    {
        var session = _broker.OpenGuestSession();
        _broker.DefaultVirtualHost.DeclareQueue("q");
        var sink = new CopyingSink();
        session.Consume("q", "c", noAck: false, exclusive: false, arguments: null, sink);

        for (int i = 0; i < 100; i++)
        {
            PublishPooled(session, "", "q", "message " + i);
            session.Ack(sink.Received[^1].Tag, multiple: false);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => "message " + i), sink.Received.Select(r => r.Body));
        // One message object went round the whole time.
        Assert.Equal(1, _broker.Messages.Available);
    }

    [Fact]
    public void A_sink_that_keeps_deliveries_sees_intact_bodies_after_acks_and_later_publishes()
    {
        var session = _broker.OpenGuestSession();
        _broker.DefaultVirtualHost.DeclareQueue("q");
        var keeper = new RecordingSink();
        session.Consume("q", "c", noAck: false, exclusive: false, arguments: null, keeper);

        for (int i = 0; i < 50; i++) PublishPooled(session, "", "q", "kept " + i);
        session.Ack(0, multiple: true);
        for (int i = 0; i < 50; i++) PublishPooled(session, "", "q", "later " + i);

        var bodies = keeper.Bodies;
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "kept " + i), bodies.Take(50));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "later " + i), bodies.Skip(50));
    }

    [Fact]
    public void Fanned_out_message_is_reused_only_after_every_queue_acked_it()
    {
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("a");
        vhost.DeclareQueue("b");
        vhost.BindQueue("a", "amq.fanout", "");
        vhost.BindQueue("b", "amq.fanout", "");
        var publisher = _broker.OpenGuestSession(1);
        var consumerA = _broker.OpenGuestSession(2);
        var sinkA = new CopyingSink();
        consumerA.Consume("a", "ca", noAck: false, exclusive: false, arguments: null, sinkA);

        PublishPooled(publisher, "amq.fanout", "", "shared body");
        consumerA.Ack(sinkA.Received[0].Tag, multiple: false);
        // Queue b still holds the message: it must not be reused by the next publishes.
        for (int i = 0; i < 20; i++)
        {
            PublishPooled(publisher, "amq.fanout", "", "other " + i);
            consumerA.Ack(0, multiple: true);
        }

        var got = publisher.Get("b", noAck: true);
        Assert.NotNull(got);
        Assert.Equal("shared body", got.Message.Text());
    }

    [Fact]
    public void Dead_lettered_and_got_messages_keep_their_bodies_while_the_pool_turns_over()
    {
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("dlq");
        vhost.DeclareQueue("work", arguments: TestMessages.Table(("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dlq")));
        var session = _broker.OpenGuestSession();
        var sink = new CopyingSink();
        session.Consume("work", "c", noAck: false, exclusive: false, arguments: null, sink);

        PublishPooled(session, "", "work", "rejected one");
        session.Nack(sink.Received[0].Tag, multiple: false, requeue: false);
        PublishPooled(session, "", "dlq", "got and acked");
        var deadLettered = session.Get("dlq", noAck: true)!;
        var acked = session.Get("dlq", noAck: false)!;
        session.Ack(acked.DeliveryTag, multiple: false);
        for (int i = 0; i < 20; i++)
        {
            PublishPooled(session, "", "work", "churn " + i);
            session.Ack(0, multiple: true);
        }

        Assert.Equal("rejected one", deadLettered.Message.Text());
        Assert.Equal("got and acked", acked.Message.Text());
    }
}
