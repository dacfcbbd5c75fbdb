using Tidings.Core.Messages;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Limits;

/// <summary>
/// The core refuses, whatever the door, what AMQP could not carry later: issue 10's poison
/// messages and names came in over HTTP, which goes through exactly these calls.
/// </summary>
public sealed class BrokerLimitsTests : IDisposable
{
    private readonly Broker _broker = new(new BrokerOptions { MemoryHighWatermarkBytes = 0 });

    private VirtualHost Vhost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    private static void AssertRefused(Action action, string fragment)
    {
        var e = Assert.Throws<BrokerException>(action);
        Assert.Equal(BrokerError.PreconditionFailed, e.Error);
        Assert.Contains(fragment, e.Message);
        // A 4,000-byte name is not echoed whole into the reply.
        Assert.True(e.Message.Length < 300, e.Message);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(300)]
    [InlineData(4000)]
    public void Queue_exchange_vhost_and_user_names_longer_than_255_bytes_are_refused(int length)
    {
        string name = new('n', length);
        AssertRefused(() => Vhost.DeclareQueue(name), "queue name is too long");
        AssertRefused(() => Vhost.DeclareExchange(name, "direct"), "exchange name is too long");
        AssertRefused(() => _broker.AddVirtualHost(name), "vhost name is too long");
        AssertRefused(() => _broker.AddUser(name, "pw"), "user name is too long");
        Assert.Null(Vhost.FindQueue(name));
        Assert.Null(_broker.FindVirtualHost(name));
        Assert.Null(_broker.FindUser(name));
    }

    [Fact]
    public void A_name_of_exactly_255_bytes_is_accepted_and_bytes_not_characters_are_counted()
    {
        Vhost.DeclareQueue(new string('q', 255));
        Vhost.DeclareExchange(new string('x', 255), "topic");
        // 85 euro signs are 255 bytes; 86 are 258.
        Vhost.DeclareQueue(new string('€', 85));
        AssertRefused(() => Vhost.DeclareQueue(new string('€', 86)), "258 bytes");
    }

    [Fact]
    public void A_name_with_a_lone_surrogate_is_refused_because_it_has_no_UTF8_form()
    {
        AssertRefused(() => Vhost.DeclareQueue("bad\ud800name"), "not valid Unicode");
        AssertRefused(() => Vhost.DeclareExchange("x\udc00", "fanout"), "not valid Unicode");
    }

    [Fact]
    public void A_routing_key_or_binding_key_longer_than_255_bytes_is_refused_and_nothing_is_queued()
    {
        Vhost.DeclareQueue("q");
        Vhost.BindQueue("q", "amq.topic", "#");
        AssertRefused(() => Vhost.Publish("amq.topic", new string('k', 256), "poison"), "routing key is too long");
        AssertRefused(() => Vhost.BindQueue("q", "amq.direct", new string('b', 256)), "routing key is too long");
        Assert.Equal(0, Vhost.FindQueue("q")!.MessageCount);
    }

    public static TheoryData<string, MessageProperties> PropertiesAmqpCannotCarry => new()
    {
        { "content_type", new MessageProperties { ContentType = new string('c', 256) } },
        { "content_encoding", new MessageProperties { ContentEncoding = new string('c', 256) } },
        { "correlation_id", new MessageProperties { CorrelationId = new string('c', 300) } },
        { "reply_to", new MessageProperties { ReplyTo = new string('r', 256) } },
        { "message_id", new MessageProperties { MessageId = new string('m', 256) } },
        { "type", new MessageProperties { Type = new string('t', 256) } },
        { "app_id", new MessageProperties { AppId = new string('a', 256) } },
        { "a key of the headers", new MessageProperties { Headers = TestMessages.Table((new string('h', 256), 1)) } },
        { "decimal", new MessageProperties { Headers = TestMessages.Table(("d", 12345678901234567890.5m)) } },
        { "signed 64-bit", new MessageProperties { Headers = TestMessages.Table(("u", ulong.MaxValue)) } },
        { "type AMQP cannot carry", new MessageProperties { Headers = TestMessages.Table(("g", Guid.NewGuid())) } },
        { "not valid Unicode", new MessageProperties { Headers = TestMessages.Table(("s", "a\ud800")) } },
        { "nested deeper", new MessageProperties { Headers = Nested(70) } },
        { "value_too_large", new MessageProperties { TimeToLiveMs = 4294967296 } },
        { "not a finite number", new MessageProperties { Headers = TestMessages.Table(("nan", double.NaN)) } },
        { "not a finite number", new MessageProperties { Headers = TestMessages.Table(("inf", float.PositiveInfinity)) } },
    };

    [Theory]
    [MemberData(nameof(PropertiesAmqpCannotCarry))]
    public void A_message_with_a_property_or_header_AMQP_cannot_carry_is_refused_at_publish(string fragment, MessageProperties properties)
    {
        Vhost.DeclareQueue("q");
        AssertRefused(() => Vhost.Publish("", "q", "poison", properties), fragment);
        Assert.Equal(0, Vhost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public void Properties_at_the_limits_are_accepted()
    {
        Vhost.DeclareQueue("q");
        var properties = new MessageProperties
        {
            ContentType = new string('c', 255),
            MessageId = new string('é', 127),
            TimeToLiveMs = 4294967295,
            Headers = TestMessages.Table((new string('h', 255), 1), ("nested", Nested(60)), ("d", 1.5m), ("list", new List<object?> { 1, "a", null })),
        };
        Vhost.Publish("", "q", "fine", properties);
        Assert.Equal(1, Vhost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public void A_dead_letter_routing_key_AMQP_cannot_carry_is_refused_at_declare()
    {
        AssertRefused(() => Vhost.DeclareQueue("src", arguments: TestMessages.Table(
            ("x-dead-letter-exchange", "amq.topic"), ("x-dead-letter-routing-key", new string('k', 256)), ("x-message-ttl", 100))),
            "invalid arg 'x-dead-letter-routing-key'");
        AssertRefused(() => Vhost.DeclareQueue("src", arguments: TestMessages.Table(
            ("x-dead-letter-exchange", new string('x', 256)))), "invalid arg 'x-dead-letter-exchange'");
        AssertRefused(() => Vhost.DeclareExchange("with-ae", "fanout", arguments: TestMessages.Table(
            ("alternate-exchange", new string('a', 256)))), "invalid arg 'alternate-exchange'");
    }

    [Fact]
    public void A_non_finite_argument_is_refused_because_listings_and_definitions_could_not_show_it()
    {
        // From the fuzzer's notes: JSON has no NaN, so a NaN argument declared over AMQP would make
        // every management listing of it and every definitions save throw.
        AssertRefused(() => Vhost.DeclareQueue("q", arguments: TestMessages.Table(("x-custom", double.NaN))), "not a finite number");
        AssertRefused(() => Vhost.DeclareExchange("x", "direct", arguments: TestMessages.Table(("x-custom", double.NegativeInfinity))), "not a finite number");
    }

    [Fact]
    public void A_dead_letter_routing_key_without_a_dead_letter_exchange_is_refused_as_RabbitMQ_does()
    {
        AssertRefused(() => Vhost.DeclareQueue("src", arguments: TestMessages.Table(("x-dead-letter-routing-key", "k"))),
            "routing_key_but_no_dlx_defined");
    }

    [Theory]
    [InlineData("x-message-ttl", 4294967296L)]
    [InlineData("x-expires", 4294967296L)]
    public void A_TTL_or_expiry_above_RabbitMQs_maximum_is_refused(string argument, long value)
    {
        AssertRefused(() => Vhost.DeclareQueue("q", arguments: TestMessages.Table((argument, value))), "value_too_large");
    }

    [Fact]
    public void An_x_expires_at_the_maximum_arms_its_timer_without_throwing()
    {
        // System timers wait at most 4294967294 ms; the longest x-expires RabbitMQ accepts is one more.
        using var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 }, TimeProvider.System);
        broker.DefaultVirtualHost.DeclareQueue("long-lived", arguments: TestMessages.Table(("x-expires", 4294967295L)));
        Assert.NotNull(broker.DefaultVirtualHost.FindQueue("long-lived"));
    }

    [Fact]
    public void A_consumer_tag_longer_than_255_bytes_and_a_non_integer_x_priority_are_refused()
    {
        Vhost.DeclareQueue("q");
        var session = _broker.OpenConnection(_broker.FindUser("guest")!, "/", "test").OpenSession(1);
        AssertRefused(() => session.Consume("q", new string('t', 256), noAck: false, exclusive: false, null, new RecordingSink()), "consumer tag is too long");
        AssertRefused(() => session.Consume("q", "c", noAck: false, exclusive: false, TestMessages.Table(("x-priority", "high")), new RecordingSink()), "x-priority");
        Assert.Equal(0, Vhost.FindQueue("q")!.ConsumerCount);
    }

    private static Dictionary<string, object?> Nested(int depth)
    {
        var table = TestMessages.Table(("leaf", 1));
        for (int i = 1; i < depth; i++) table = TestMessages.Table(("n", table));
        return table;
    }
}
