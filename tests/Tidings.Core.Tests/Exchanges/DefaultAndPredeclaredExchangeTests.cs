using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Exchanges;

/// <summary>The nameless default exchange and the amq.* exchanges every virtual host starts with.</summary>
public sealed class DefaultAndPredeclaredExchangeTests : IDisposable
{
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker = new(new BrokerOptions(), new ManualTimeProvider());

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void Default_exchange_routes_to_the_queue_named_by_the_routing_key()
    {
        VHost.DeclareQueue("orders");
        VHost.DeclareQueue("invoices");

        Assert.Equal(1, VHost.Publish("", "orders", "m").RoutedQueues);

        Assert.Equal(1, VHost.FindQueue("orders")!.MessageCount);
        Assert.Equal(0, VHost.FindQueue("invoices")!.MessageCount);
        Assert.True(VHost.Publish("", "no-such-queue", "m").Unroutable);
    }

    [Fact]
    public void Default_exchange_stops_routing_to_a_deleted_queue()
    {
        VHost.DeclareQueue("q");
        VHost.DeleteQueue("q");

        Assert.True(VHost.Publish("", "q", "m").Unroutable);
    }

    [Fact]
    public void Binding_to_or_from_the_default_exchange_is_refused()
    {
        VHost.DeclareQueue("q");
        VHost.DeclareExchange("x", "direct");

        Assert.Equal(BrokerError.AccessRefused, Assert.Throws<BrokerException>(() => VHost.BindQueue("q", "", "q")).Error);
        Assert.Equal(BrokerError.AccessRefused, Assert.Throws<BrokerException>(() => VHost.UnbindQueue("q", "", "q")).Error);
        Assert.Equal(BrokerError.AccessRefused, Assert.Throws<BrokerException>(() => VHost.BindExchange("x", "", "k")).Error);
        Assert.Equal(BrokerError.AccessRefused, Assert.Throws<BrokerException>(() => VHost.BindExchange("", "x", "k")).Error);
    }

    [Fact]
    public void Default_exchange_cannot_be_declared_or_deleted()
    {
        Assert.Equal(BrokerError.AccessRefused, Assert.Throws<BrokerException>(() => VHost.DeclareExchange("", "direct")).Error);
        Assert.Equal(BrokerError.AccessRefused, Assert.Throws<BrokerException>(() => VHost.DeclareExchange("", "direct", passive: true)).Error);
        Assert.Equal(BrokerError.AccessRefused, Assert.Throws<BrokerException>(() => VHost.DeleteExchange("")).Error);
        Assert.False(VHost.Publish("", "missing", "m").Rejected);
    }

    [Theory]
    [InlineData("amq.direct", "direct")]
    [InlineData("amq.fanout", "fanout")]
    [InlineData("amq.topic", "topic")]
    [InlineData("amq.headers", "headers")]
    [InlineData("amq.match", "headers")]
    public void Predeclared_exchange_exists_durable_with_its_type(string name, string type)
    {
        var exchange = VHost.DeclareExchange(name, type, passive: true);

        Assert.Equal(type, exchange.Type);
        Assert.True(exchange.Durable);
        Assert.False(exchange.AutoDelete);
        Assert.False(exchange.Internal);
        // Redeclaring it with the same properties is allowed and changes nothing.
        Assert.Same(exchange, VHost.DeclareExchange(name, type, durable: true));
    }

    [Theory]
    [InlineData("amq.direct")]
    [InlineData("amq.fanout")]
    [InlineData("amq.topic")]
    [InlineData("amq.headers")]
    [InlineData("amq.match")]
    public void Predeclared_exchange_cannot_be_deleted(string name)
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeleteExchange(name));

        Assert.Equal(BrokerError.AccessRefused, error.Error);
        Assert.NotNull(VHost.FindExchange(name));
    }

    [Fact]
    public void New_exchange_with_the_amq_prefix_is_refused()
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareExchange("amq.custom", "direct"));

        Assert.Equal(BrokerError.AccessRefused, error.Error);
        Assert.Contains("amq.", error.Message);
        Assert.Null(VHost.FindExchange("amq.custom"));
    }

    [Fact]
    public void Redeclaring_a_predeclared_exchange_with_another_type_fails_with_precondition_failed()
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareExchange("amq.direct", "fanout", durable: true));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains("inequivalent arg", error.Message);
    }

    [Fact]
    public void Predeclared_exchanges_route_like_their_type()
    {
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "amq.direct", "k");
        VHost.BindQueue("q", "amq.topic", "a.*");
        VHost.BindQueue("q", "amq.fanout", "");

        Assert.False(VHost.Publish("amq.direct", "k", "m").Unroutable);
        Assert.False(VHost.Publish("amq.topic", "a.b", "m").Unroutable);
        Assert.False(VHost.Publish("amq.fanout", "x", "m").Unroutable);
        Assert.True(VHost.Publish("amq.topic", "b.a", "m").Unroutable);
        Assert.Equal(3, VHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public void Every_new_virtual_host_gets_its_own_predeclared_exchanges()
    {
        var other = _broker.AddVirtualHost("other");

        Assert.NotNull(other.FindExchange("amq.topic"));
        Assert.NotSame(VHost.FindExchange("amq.topic"), other.FindExchange("amq.topic"));
        Assert.NotSame(VHost.DefaultExchange, other.DefaultExchange);
    }
}
