using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Exchanges;

/// <summary>Declaring, redeclaring and deleting exchanges, including auto-delete.</summary>
public sealed class ExchangeLifecycleTests : IDisposable
{
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker = new(new BrokerOptions(), new ManualTimeProvider());

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void Redeclaring_an_exchange_with_the_same_properties_returns_it()
    {
        var first = VHost.DeclareExchange("x", "topic", durable: true);

        Assert.Same(first, VHost.DeclareExchange("x", "topic", durable: true));
    }

    [Theory]
    [InlineData("type")]
    [InlineData("durable")]
    [InlineData("auto_delete")]
    [InlineData("internal")]
    public void Redeclaring_an_exchange_differently_fails_with_precondition_failed(string difference)
    {
        VHost.DeclareExchange("x", "direct");

        var error = Assert.Throws<BrokerException>(() => VHost.DeclareExchange("x",
            difference == "type" ? "fanout" : "direct",
            durable: difference == "durable",
            autoDelete: difference == "auto_delete",
            isInternal: difference == "internal"));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains($"inequivalent arg '{difference}'", error.Message);
    }

    [Fact]
    public void Passive_declare_of_a_missing_exchange_fails_with_not_found()
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareExchange("missing", "direct", passive: true));

        Assert.Equal(BrokerError.NotFound, error.Error);
        Assert.Null(VHost.FindExchange("missing"));
    }

    [Fact]
    public void Passive_declare_ignores_the_properties_given()
    {
        var exchange = VHost.DeclareExchange("x", "direct");

        Assert.Same(exchange, VHost.DeclareExchange("x", "fanout", durable: true, passive: true));
    }

    [Fact]
    public void Deleting_an_exchange_removes_its_bindings()
    {
        VHost.DeclareExchange("x", "fanout");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "x", "");

        VHost.DeleteExchange("x");
        VHost.DeclareExchange("x", "fanout");

        Assert.True(VHost.Publish("x", "", "m").Unroutable);
    }

    [Fact]
    public void Deleting_a_missing_exchange_succeeds()
    {
        VHost.DeleteExchange("never-declared");

        Assert.Null(VHost.FindExchange("never-declared"));
    }

    [Fact]
    public void Delete_if_unused_refuses_an_exchange_with_bindings()
    {
        VHost.DeclareExchange("x", "fanout");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "x", "");

        var error = Assert.Throws<BrokerException>(() => VHost.DeleteExchange("x", ifUnused: true));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.NotNull(VHost.FindExchange("x"));
        VHost.UnbindQueue("q", "x", "");
        VHost.DeleteExchange("x", ifUnused: true);
        Assert.Null(VHost.FindExchange("x"));
    }

    [Fact]
    public void Auto_delete_exchange_that_never_had_a_binding_stays()
    {
        VHost.DeclareExchange("x", "fanout", autoDelete: true);

        Assert.NotNull(VHost.FindExchange("x"));
    }

    [Fact]
    public void Auto_delete_exchange_is_deleted_when_its_last_binding_is_removed()
    {
        VHost.DeclareExchange("x", "direct", autoDelete: true);
        VHost.DeclareQueue("q1");
        VHost.DeclareQueue("q2");
        VHost.BindQueue("q1", "x", "a");
        VHost.BindQueue("q2", "x", "b");

        VHost.UnbindQueue("q1", "x", "a");
        Assert.NotNull(VHost.FindExchange("x"));
        VHost.UnbindQueue("q2", "x", "b");

        Assert.Null(VHost.FindExchange("x"));
    }

    [Fact]
    public void Auto_delete_exchange_is_deleted_when_its_only_bound_queue_is_deleted()
    {
        VHost.DeclareExchange("x", "fanout", autoDelete: true);
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "x", "");

        VHost.DeleteQueue("q");

        Assert.Null(VHost.FindExchange("x"));
    }

    [Fact]
    public void Auto_delete_exchange_is_deleted_when_its_last_exchange_binding_is_removed()
    {
        VHost.DeclareExchange("source", "fanout", autoDelete: true);
        VHost.DeclareExchange("destination", "fanout");
        VHost.BindExchange("destination", "source", "");

        VHost.UnbindExchange("destination", "source", "");

        Assert.Null(VHost.FindExchange("source"));
        Assert.NotNull(VHost.FindExchange("destination"));
    }

    [Fact]
    public void Auto_delete_exchange_survives_losing_a_binding_where_it_is_the_destination()
    {
        VHost.DeclareExchange("upstream", "fanout");
        VHost.DeclareExchange("x", "fanout", autoDelete: true);
        VHost.DeclareQueue("q");
        VHost.BindExchange("x", "upstream", "");
        VHost.BindQueue("q", "x", "");

        VHost.UnbindExchange("x", "upstream", "");

        Assert.NotNull(VHost.FindExchange("x"));
    }

    [Fact]
    public void Declaring_an_unknown_exchange_type_is_refused()
    {
        Assert.Throws<BrokerException>(() => VHost.DeclareExchange("x", "x-unknown-type"));

        Assert.Null(VHost.FindExchange("x"));
    }
}
