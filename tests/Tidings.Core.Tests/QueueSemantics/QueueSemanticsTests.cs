using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Sessions;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>
/// What a queue does with messages, as RabbitMQ 3.x defines it: publish, consume, ack, nack,
/// requeue order, TTL, overflow, dead-lettering, priorities, single active consumer, prefetch.
/// Written once and run against every message store: each store adds a subclass that only
/// says how to build its broker. Queues are declared durable and messages published
/// persistent, so a disk-backed store really stores them.
/// The tests are split by concern over the partial files QueueSemanticsTests.*.cs.
/// </summary>
public abstract partial class QueueSemanticsTests : IDisposable
{
    /// <summary>Created on first use, so that the subclass's factory never runs in a constructor.</summary>
    private Broker? _broker;
    /// <summary>The session most tests use; opened on first use.</summary>
    private Session? _channel;

    /// <summary>Builds the broker under test on the given clock.</summary>
    protected abstract Broker CreateBroker(TimeProvider time);

    /// <summary>The manual clock every TTL and expiry in these tests runs on.</summary>
    protected ManualTimeProvider Time { get; } = new();

    protected Broker Broker => _broker ??= CreateBroker(Time);

    protected VirtualHost VHost => Broker.DefaultVirtualHost;

    /// <summary>A guest session (AMQP channel 1) on its own connection.</summary>
    protected Session Channel => _channel ??= Broker.OpenGuestSession();

    /// <summary>Opens another guest connection and its session 1.</summary>
    protected Session OpenSession() => Broker.OpenGuestSession();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the broker; a store's subclass extends this to remove what it wrote.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) _broker?.Dispose();
    }

    // ---- helpers ----

    /// <summary>Declares a durable queue with the given x-arguments and returns it.</summary>
    protected IQueue DeclareQueue(string name, params (string Key, object? Value)[] arguments)
    {
        VHost.DeclareQueue(name, durable: true, arguments: arguments.Length == 0 ? null : TestMessages.Table(arguments));
        return VHost.FindQueue(name)!;
    }

    /// <summary>Persistent properties, optionally with an expiration, priority or headers.</summary>
    protected static MessageProperties Persistent(string? expiration = null, byte? priority = null,
        IReadOnlyDictionary<string, object?>? headers = null) =>
        new()
        {
            Durable = true,
            TimeToLiveMs = expiration is null ? null : long.Parse(expiration),
            Priority = priority,
            Headers = headers is null ? null : MessageHeaders.From(headers),
        };

    /// <summary>Publishes a persistent text message to <paramref name="queue"/> through the default exchange.</summary>
    protected PublishResult Publish(string queue, string body, MessageProperties? properties = null) =>
        Channel.Publish("", queue, body, properties ?? Persistent());

    /// <summary>Starts a consumer delivering into <paramref name="sink"/>.</summary>
    protected Consumer Consume(string queue, RecordingSink sink, Session? session = null, string? tag = null,
        bool noAck = false, bool exclusive = false, int? priority = null) =>
        (session ?? Channel).Consume(queue, tag, noAck, exclusive,
            priority is { } p ? TestMessages.Table(("x-priority", p)) : null, sink);

    /// <summary>Takes every ready message with basic.get (no ack) and returns the bodies in order.</summary>
    protected List<string> Drain(string queue)
    {
        var bodies = new List<string>();
        while (Channel.Get(queue, noAck: true) is { } got) bodies.Add(got.Message.Text());
        return bodies;
    }

    /// <summary>Pulls one message with basic.get in ack mode; fails when the queue is empty.</summary>
    protected GetResult GetOne(string queue) =>
        Channel.Get(queue, noAck: false) ?? throw new Xunit.Sdk.XunitException($"queue '{queue}' is empty");

    /// <summary>The x-death tables of a dead-lettered message, most recent first.</summary>
    protected static List<IReadOnlyDictionary<string, object?>> XDeath(Message message)
    {
        var headers = Assert.IsType<MessageHeaders>(message.Properties.Headers);
        var deaths = Assert.IsAssignableFrom<IEnumerable<object?>>(headers["x-death"]);
        return [.. deaths.Select(d => Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(d))];
    }

    // ---- publish and consume ----

    [Fact]
    public void Messages_published_before_a_consumer_starts_are_delivered_in_publish_order()
    {
        DeclareQueue("q");
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);

        var sink = new RecordingSink();
        Consume("q", sink);

        Assert.Equal(["1", "2", "3"], sink.Bodies);
        Assert.All(sink.Deliveries, d => Assert.False(d.Redelivered));
        Assert.All(sink.Deliveries, d => Assert.Equal("q", d.QueueName));
    }

    [Fact]
    public void Messages_published_to_a_waiting_consumer_are_delivered_at_once_with_increasing_tags()
    {
        DeclareQueue("q");
        var sink = new RecordingSink();
        Consume("q", sink, tag: "ctag");

        Publish("q", "a");
        Publish("q", "b");

        Assert.Equal(["a", "b"], sink.Bodies);
        Assert.Equal([1UL, 2UL], sink.Deliveries.Select(d => d.DeliveryTag));
        Assert.All(sink.Deliveries, d => Assert.Equal("ctag", d.ConsumerTag));
        Assert.Equal(0, VHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public void Delivered_message_keeps_its_exchange_routing_key_properties_and_body()
    {
        VHost.DeclareExchange("x", "direct", durable: true);
        DeclareQueue("q");
        VHost.BindQueue("q", "x", "key");
        var sink = new RecordingSink();
        Consume("q", sink);

        var properties = new MessageProperties
        {
            Durable = true,
            ContentType = "text/plain",
            CorrelationId = "c-1",
            MessageId = "m-1",
            Headers = TestMessages.Table(("h", 42)),
        };
        Channel.Publish("x", "key", "hello", properties);

        var message = Assert.Single(sink.Deliveries).Message;
        Assert.Equal("x", message.Exchange);
        Assert.Equal("key", message.RoutingKey);
        Assert.Equal("hello", message.Text());
        Assert.Equal("text/plain", message.Properties.ContentType);
        Assert.Equal("c-1", message.Properties.CorrelationId);
        Assert.Equal("m-1", message.Properties.MessageId);
        Assert.Equal(42, message.Properties.Headers!["h"]);
    }

    [Fact]
    public void Publishing_to_a_missing_exchange_fails_with_not_found()
    {
        var error = Assert.Throws<BrokerException>(() => Channel.Publish("no-such-exchange", "k", "m"));
        Assert.Equal(BrokerError.NotFound, error.Error);
    }

    [Fact]
    public void Publish_that_reaches_no_queue_is_reported_unroutable()
    {
        DeclareQueue("q");

        Assert.True(Channel.Publish("", "no-such-queue", "m").Unroutable);
        Assert.True(Channel.Publish("amq.direct", "unbound-key", "m").Unroutable);
        var routed = Channel.Publish("", "q", "m");
        Assert.False(routed.Unroutable);
        Assert.Equal(1, routed.RoutedQueues);
    }
}
