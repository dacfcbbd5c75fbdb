using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Exchanges;

/// <summary>Direct exchanges route on the exact key; fanout exchanges ignore it.</summary>
public sealed class DirectAndFanoutRoutingTests : IDisposable
{
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker = new(new BrokerOptions(), new ManualTimeProvider());

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    private int Ready(string queue) => VHost.FindQueue(queue)!.MessageCount;

    [Fact]
    public void Direct_exchange_routes_to_every_queue_bound_with_the_exact_key()
    {
        VHost.DeclareExchange("d", "direct");
        foreach (var q in new[] { "errors-1", "errors-2", "infos" }) VHost.DeclareQueue(q);
        VHost.BindQueue("errors-1", "d", "error");
        VHost.BindQueue("errors-2", "d", "error");
        VHost.BindQueue("infos", "d", "info");

        Assert.Equal(2, VHost.Publish("d", "error", "m").RoutedQueues);
        Assert.True(VHost.Publish("d", "Error", "m").Unroutable);
        Assert.True(VHost.Publish("d", "error.extra", "m").Unroutable);

        Assert.Equal((1, 1, 0), (Ready("errors-1"), Ready("errors-2"), Ready("infos")));
    }

    [Fact]
    public void Direct_exchange_treats_wildcards_as_plain_characters()
    {
        VHost.DeclareExchange("d", "direct");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "d", "#");

        Assert.True(VHost.Publish("d", "anything", "m").Unroutable);
        Assert.False(VHost.Publish("d", "#", "m").Unroutable);
    }

    [Fact]
    public void Queue_bound_with_two_keys_receives_each_message_once()
    {
        VHost.DeclareExchange("d", "direct");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "d", "a");
        VHost.BindQueue("q", "d", "b");

        VHost.Publish("d", "a", "m1");
        VHost.Publish("d", "b", "m2");

        Assert.Equal(2, Ready("q"));
    }

    [Fact]
    public void Cc_and_bcc_headers_add_routing_keys_and_bcc_is_hidden_from_consumers()
    {
        VHost.DeclareExchange("d", "direct");
        foreach (var q in new[] { "main", "cc", "bcc" }) VHost.DeclareQueue(q);
        VHost.BindQueue("main", "d", "main");
        VHost.BindQueue("cc", "d", "cc-key");
        VHost.BindQueue("bcc", "d", "bcc-key");
        var properties = new Messages.MessageProperties
        {
            Headers = TestMessages.Table(("CC", new List<object?> { "cc-key" }), ("BCC", new List<object?> { "bcc-key" })),
        };

        var result = VHost.Publish("d", "main", properties, TestMessages.Body("m"));

        Assert.Equal(3, result.RoutedQueues);
        var session = _broker.OpenGuestSession();
        var delivered = session.Get("bcc", noAck: true)!.Message;
        Assert.False(delivered.Properties.Headers!.ContainsKey("BCC"));
        Assert.True(delivered.Properties.Headers!.ContainsKey("CC"));
    }

    [Fact]
    public void Unbinding_a_direct_key_stops_routing_for_that_key_only()
    {
        VHost.DeclareExchange("d", "direct");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "d", "a");
        VHost.BindQueue("q", "d", "b");

        VHost.UnbindQueue("q", "d", "a");

        Assert.True(VHost.Publish("d", "a", "m").Unroutable);
        Assert.False(VHost.Publish("d", "b", "m").Unroutable);
    }

    [Fact]
    public void Fanout_exchange_routes_to_every_bound_queue_whatever_the_key()
    {
        VHost.DeclareExchange("f", "fanout");
        foreach (var q in new[] { "q1", "q2", "q3" }) VHost.DeclareQueue(q);
        VHost.BindQueue("q1", "f", "");
        VHost.BindQueue("q2", "f", "ignored");
        VHost.BindQueue("q3", "f", "also-ignored");

        var result = VHost.Publish("f", "whatever", "m");

        Assert.Equal(3, result.RoutedQueues);
        Assert.Equal((1, 1, 1), (Ready("q1"), Ready("q2"), Ready("q3")));
    }

    [Fact]
    public void Fanout_queue_bound_twice_with_different_keys_gets_one_copy()
    {
        VHost.DeclareExchange("f", "fanout");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "f", "a");
        VHost.BindQueue("q", "f", "b");

        Assert.Equal(1, VHost.Publish("f", "", "m").RoutedQueues);
        Assert.Equal(1, Ready("q"));
    }

    [Fact]
    public void Fanout_without_bindings_is_unroutable()
    {
        VHost.DeclareExchange("f", "fanout");

        Assert.True(VHost.Publish("f", "", "m").Unroutable);
    }

    [Fact]
    public void Deleting_a_bound_queue_removes_its_bindings()
    {
        VHost.DeclareExchange("d", "direct");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "d", "k");

        VHost.DeleteQueue("q");

        Assert.Empty(VHost.FindExchange("d")!.Bindings);
        VHost.DeclareQueue("q");
        Assert.True(VHost.Publish("d", "k", "m").Unroutable);
    }

    [Fact]
    public void Binding_to_a_missing_exchange_or_queue_fails_with_not_found()
    {
        VHost.DeclareExchange("d", "direct");
        VHost.DeclareQueue("q");

        Assert.Equal(BrokerError.NotFound, Assert.Throws<BrokerException>(() => VHost.BindQueue("q", "missing", "k")).Error);
        Assert.Equal(BrokerError.NotFound, Assert.Throws<BrokerException>(() => VHost.BindQueue("missing", "d", "k")).Error);
    }
}
