using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Exchanges;

/// <summary>Exchange-to-exchange bindings, alternate exchanges and internal exchanges.</summary>
public sealed class ExchangeToExchangeRoutingTests : IDisposable
{
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker = new(new BrokerOptions(), new ManualTimeProvider());

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    private int Ready(string queue) => VHost.FindQueue(queue)!.MessageCount;

    [Fact]
    public void Exchange_bound_to_an_exchange_receives_the_messages_its_binding_matches()
    {
        VHost.DeclareExchange("events", "topic");
        VHost.DeclareExchange("orders", "fanout");
        VHost.DeclareQueue("order-log");
        VHost.BindExchange("orders", "events", "order.#");
        VHost.BindQueue("order-log", "orders", "");

        Assert.Equal(1, VHost.Publish("events", "order.created", "m").RoutedQueues);
        Assert.True(VHost.Publish("events", "user.created", "m").Unroutable);
        Assert.Equal(1, Ready("order-log"));
    }

    [Fact]
    public void Messages_keep_their_original_exchange_and_key_after_an_exchange_hop()
    {
        VHost.DeclareExchange("front", "direct");
        VHost.DeclareExchange("back", "fanout");
        VHost.DeclareQueue("q");
        VHost.BindExchange("back", "front", "k");
        VHost.BindQueue("q", "back", "");

        VHost.Publish("front", "k", "m");

        var message = _broker.OpenGuestSession().Get("q", noAck: true)!.Message;
        Assert.Equal("front", message.Exchange);
        Assert.Equal("k", message.RoutingKey);
    }

    [Fact]
    public void Exchange_binding_cycle_still_delivers_one_copy()
    {
        VHost.DeclareExchange("x1", "fanout");
        VHost.DeclareExchange("x2", "fanout");
        VHost.DeclareQueue("q");
        VHost.BindExchange("x2", "x1", "");
        VHost.BindExchange("x1", "x2", "");
        VHost.BindQueue("q", "x1", "");
        VHost.BindQueue("q", "x2", "");

        Assert.Equal(1, VHost.Publish("x1", "", "m").RoutedQueues);
        Assert.Equal(1, VHost.Publish("x2", "", "m").RoutedQueues);
        Assert.Equal(2, Ready("q"));
    }

    [Fact]
    public void Diamond_of_exchanges_delivers_one_copy_per_queue()
    {
        VHost.DeclareExchange("top", "fanout");
        VHost.DeclareExchange("left", "fanout");
        VHost.DeclareExchange("right", "fanout");
        VHost.DeclareQueue("q");
        VHost.BindExchange("left", "top", "");
        VHost.BindExchange("right", "top", "");
        VHost.BindQueue("q", "left", "");
        VHost.BindQueue("q", "right", "");

        Assert.Equal(1, VHost.Publish("top", "", "m").RoutedQueues);
        Assert.Equal(1, Ready("q"));
    }

    [Fact]
    public void Unbinding_exchanges_stops_the_flow()
    {
        VHost.DeclareExchange("a", "fanout");
        VHost.DeclareExchange("b", "fanout");
        VHost.DeclareQueue("q");
        VHost.BindExchange("b", "a", "");
        VHost.BindQueue("q", "b", "");

        VHost.UnbindExchange("b", "a", "");

        Assert.True(VHost.Publish("a", "", "m").Unroutable);
    }

    [Fact]
    public void Deleting_the_destination_exchange_removes_the_exchange_binding()
    {
        VHost.DeclareExchange("a", "fanout");
        VHost.DeclareExchange("b", "fanout");
        VHost.BindExchange("b", "a", "");

        VHost.DeleteExchange("b");

        Assert.Empty(VHost.FindExchange("a")!.Bindings);
    }

    [Fact]
    public void Alternate_exchange_receives_what_the_exchange_cannot_route()
    {
        VHost.DeclareExchange("ae", "fanout");
        VHost.DeclareQueue("unrouted");
        VHost.BindQueue("unrouted", "ae", "");
        VHost.DeclareExchange("main", "direct", arguments: TestMessages.Table(("alternate-exchange", "ae")));
        VHost.DeclareQueue("routed");
        VHost.BindQueue("routed", "main", "known");

        var caught = VHost.Publish("main", "unknown", "m1");
        VHost.Publish("main", "known", "m2");

        Assert.False(caught.Unroutable);
        Assert.Equal(1, Ready("unrouted"));
        Assert.Equal(1, Ready("routed"));
        var message = _broker.OpenGuestSession().Get("unrouted", noAck: true)!.Message;
        Assert.Equal("main", message.Exchange);
        Assert.Equal("unknown", message.RoutingKey);
    }

    [Fact]
    public void Alternate_exchanges_chain()
    {
        VHost.DeclareExchange("ae2", "fanout");
        VHost.DeclareQueue("last-resort");
        VHost.BindQueue("last-resort", "ae2", "");
        VHost.DeclareExchange("ae1", "direct", arguments: TestMessages.Table(("alternate-exchange", "ae2")));
        VHost.DeclareExchange("main", "direct", arguments: TestMessages.Table(("alternate-exchange", "ae1")));

        Assert.False(VHost.Publish("main", "k", "m").Unroutable);
        Assert.Equal(1, Ready("last-resort"));
    }

    [Fact]
    public void Missing_alternate_exchange_leaves_the_message_unroutable()
    {
        VHost.DeclareExchange("main", "direct", arguments: TestMessages.Table(("alternate-exchange", "not-declared")));

        Assert.True(VHost.Publish("main", "k", "m").Unroutable);
    }

    [Fact]
    public void Alternate_exchange_pointing_back_at_its_exchange_does_not_loop()
    {
        VHost.DeclareExchange("a", "direct", arguments: TestMessages.Table(("alternate-exchange", "b")));
        VHost.DeclareExchange("b", "direct", arguments: TestMessages.Table(("alternate-exchange", "a")));

        Assert.True(VHost.Publish("a", "k", "m").Unroutable);
    }

    [Fact]
    public void Redeclaring_with_another_alternate_exchange_fails_with_precondition_failed()
    {
        VHost.DeclareExchange("main", "direct", arguments: TestMessages.Table(("alternate-exchange", "ae1")));

        var error = Assert.Throws<BrokerException>(() =>
            VHost.DeclareExchange("main", "direct", arguments: TestMessages.Table(("alternate-exchange", "ae2"))));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains("inequivalent arg 'alternate-exchange'", error.Message);
    }

    [Fact]
    public void Publishing_directly_to_an_internal_exchange_is_refused()
    {
        VHost.DeclareExchange("hidden", "fanout", isInternal: true);
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "hidden", "");
        var session = _broker.OpenGuestSession();

        var error = Assert.Throws<BrokerException>(() => session.Publish("hidden", "", "m"));

        Assert.Equal(BrokerError.AccessRefused, error.Error);
        Assert.Equal(0, Ready("q"));
    }

    [Fact]
    public void Internal_exchange_receives_messages_routed_from_another_exchange()
    {
        VHost.DeclareExchange("public", "direct");
        VHost.DeclareExchange("hidden", "fanout", isInternal: true);
        VHost.DeclareQueue("q");
        VHost.BindExchange("hidden", "public", "k");
        VHost.BindQueue("q", "hidden", "");

        Assert.False(_broker.OpenGuestSession().Publish("public", "k", "m").Unroutable);
        Assert.Equal(1, Ready("q"));
    }

    [Fact]
    public void Internal_exchange_works_as_an_alternate_exchange()
    {
        VHost.DeclareExchange("ae", "fanout", isInternal: true);
        VHost.DeclareQueue("unrouted");
        VHost.BindQueue("unrouted", "ae", "");
        VHost.DeclareExchange("main", "direct", arguments: TestMessages.Table(("alternate-exchange", "ae")));

        Assert.False(_broker.OpenGuestSession().Publish("main", "k", "m").Unroutable);
        Assert.Equal(1, Ready("unrouted"));
    }
}
