using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Brokers;

/// <summary>Brokers share no state: several can live in one process side by side.</summary>
public sealed class TwoBrokersInOneProcessTests : IDisposable
{
    /// <summary>The clock of <see cref="_first"/>.</summary>
    private readonly ManualTimeProvider _firstTime = new();
    /// <summary>The clock of <see cref="_second"/>.</summary>
    private readonly ManualTimeProvider _secondTime = new();
    /// <summary>One of the two brokers under test.</summary>
    private readonly Broker _first;
    /// <summary>The other broker, which must never see what happens in <see cref="_first"/>.</summary>
    private readonly Broker _second;

    public TwoBrokersInOneProcessTests()
    {
        _first = new Broker(new BrokerOptions(), _firstTime);
        _second = new Broker(new BrokerOptions(), _secondTime);
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    [Fact]
    public void Same_queue_names_in_two_brokers_are_different_queues()
    {
        _first.DefaultVirtualHost.DeclareQueue("jobs");
        _second.DefaultVirtualHost.DeclareQueue("jobs");
        var firstSink = new RecordingSink();
        var secondSink = new RecordingSink();
        _first.OpenGuestSession().Consume("jobs", null, false, false, null, firstSink);
        _second.OpenGuestSession().Consume("jobs", null, false, false, null, secondSink);

        _first.OpenGuestSession().Publish("", "jobs", "for-first");

        Assert.Equal(["for-first"], firstSink.Bodies);
        Assert.Empty(secondSink.Deliveries);
    }

    [Fact]
    public void Publishing_to_a_queue_that_exists_only_in_the_other_broker_is_unroutable()
    {
        _second.DefaultVirtualHost.DeclareQueue("only-in-second");

        Assert.True(_first.DefaultVirtualHost.Publish("", "only-in-second", "m").Unroutable);
        Assert.Equal(0, _second.DefaultVirtualHost.FindQueue("only-in-second")!.MessageCount);
    }

    [Fact]
    public void Exchanges_users_and_virtual_hosts_are_per_broker()
    {
        _first.DefaultVirtualHost.DeclareExchange("events", "topic");
        _first.AddUser("alice", "secret");
        _first.AddVirtualHost("staging");

        Assert.Null(_second.DefaultVirtualHost.FindExchange("events"));
        Assert.Null(_second.FindUser("alice"));
        Assert.Null(_second.FindVirtualHost("staging"));
    }

    [Fact]
    public void Each_broker_runs_on_its_own_clock()
    {
        var args = TestMessages.Table(("x-message-ttl", 1000));
        _first.DefaultVirtualHost.DeclareQueue("q", arguments: args);
        _second.DefaultVirtualHost.DeclareQueue("q", arguments: args);
        _first.DefaultVirtualHost.Publish("", "q", "m");
        _second.DefaultVirtualHost.Publish("", "q", "m");

        _firstTime.AdvanceMs(1000);

        Assert.Equal(0, _first.DefaultVirtualHost.FindQueue("q")!.MessageCount);
        Assert.Equal(1, _second.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public void Disposing_one_broker_leaves_the_other_working()
    {
        _first.DefaultVirtualHost.DeclareQueue("q");
        _second.DefaultVirtualHost.DeclareQueue("q", arguments: TestMessages.Table(("x-message-ttl", 1000)));
        var sink = new RecordingSink();
        var secondSession = _second.OpenGuestSession();
        secondSession.Consume("q", "c", false, false, null, sink);
        _first.OpenGuestSession();

        _first.Dispose();

        Assert.Empty(_first.Connections);
        Assert.Single(_second.Connections);
        secondSession.Publish("", "q", "still-here");
        Assert.Equal(["still-here"], sink.Bodies);
        secondSession.Ack(sink.Last.DeliveryTag, multiple: false);
        // Its timers still run too.
        secondSession.Cancel("c");
        secondSession.Publish("", "q", "expires");
        _secondTime.AdvanceMs(1000);
        Assert.Equal(0, _second.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }
}
