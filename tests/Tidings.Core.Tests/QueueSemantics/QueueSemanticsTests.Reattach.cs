using Tidings.Core.Sessions;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>
/// Sessions that outlive their connection (MQTT persistent sessions): detached they keep their
/// consumers and unacked deliveries and get nothing new; re-attached to a new connection they
/// deliver into its sinks and offer the unacked deliveries for resending under their old tags.
/// </summary>
public abstract partial class QueueSemanticsTests
{
    private ClientConnection OpenGuestConnection() => Broker.OpenConnection(Broker.FindUser("guest")!, "/", "test");

    [Fact]
    public void A_detached_session_keeps_its_unacked_deliveries_when_its_connection_closes_and_gets_nothing_new()
    {
        var queue = DeclareQueue("q");
        var session = OpenSession();
        session.SetPrefetch(10, global: false);
        var oldSink = new RecordingSink();
        Consume("q", oldSink, session, tag: "sub");
        Publish("q", "1");
        Publish("q", "2");
        Assert.Equal(["1", "2"], oldSink.Bodies);

        var oldConnection = session.Connection;
        oldConnection.Detach(session);
        oldConnection.Dispose();
        Publish("q", "3");

        Assert.True(session.IsDetached);
        Assert.Equal(["1", "2"], oldSink.Bodies);
        Assert.Equal(2, queue.UnackedCount);
        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(1, queue.ConsumerCount);
    }

    [Fact]
    public void A_reattached_session_delivers_into_the_new_sinks_and_resends_unacked_deliveries_under_their_old_tags()
    {
        var queue = DeclareQueue("q");
        var session = OpenSession();
        session.SetPrefetch(10, global: false);
        Consume("q", new RecordingSink(), session, tag: "sub");
        Publish("q", "1");
        Publish("q", "2");
        var oldConnection = session.Connection;
        oldConnection.Detach(session);
        oldConnection.Dispose();
        Publish("q", "3");

        var newConnection = OpenGuestConnection();
        var newSink = new RecordingSink();
        newConnection.Attach(session, 7, _ => newSink);

        Assert.False(session.IsDetached);
        Assert.Same(newConnection, session.Connection);
        Assert.Equal(7, session.Number);
        Assert.Contains(session, newConnection.Sessions);
        Assert.Equal(["3"], newSink.Bodies);
        Assert.Equal(3UL, newSink.Last.DeliveryTag); // tags go on from where the old connection stopped

        var outstanding = session.Outstanding();
        Assert.Equal(["1", "2", "3"], outstanding.Select(d => d.Message.Text()));
        Assert.Equal([1UL, 2UL, 3UL], outstanding.Select(d => d.DeliveryTag));
        Assert.All(outstanding, d => Assert.True(d.Redelivered));
        Assert.All(outstanding, d => Assert.Equal("sub", d.ConsumerTag));

        session.Ack(2, multiple: true);
        Assert.Equal(1, queue.UnackedCount);
        session.Ack(3, multiple: false);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Closing_the_new_connection_closes_a_reattached_session_and_requeues_its_deliveries()
    {
        var queue = DeclareQueue("q");
        var session = OpenSession();
        Consume("q", new RecordingSink(), session);
        Publish("q", "1");
        session.Connection.Detach(session);
        var newConnection = OpenGuestConnection();
        newConnection.Attach(session, 1, _ => new RecordingSink());

        newConnection.Dispose();

        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(0, queue.ConsumerCount);
    }

    [Fact]
    public void A_kept_session_expires_closing_its_consumers_and_requeueing_what_it_held()
    {
        var queue = DeclareQueue("q");
        var session = OpenSession();
        Consume("q", new RecordingSink(), session);
        Publish("q", "1");
        session.Connection.Detach(session);
        Session? expired = null;
        VHost.DetachedSessions.Keep("client-1", session, TimeSpan.FromSeconds(60), s => expired = s);

        Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, VHost.DetachedSessions.Count);
        Assert.Equal(1, queue.UnackedCount);

        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Same(session, expired);
        Assert.Equal(0, VHost.DetachedSessions.Count);
        Assert.Null(VHost.DetachedSessions.Take("client-1"));
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(0, queue.ConsumerCount);
    }

    [Fact]
    public void A_session_taken_back_before_its_expiry_survives_the_expiry()
    {
        var queue = DeclareQueue("q");
        var session = OpenSession();
        Consume("q", new RecordingSink(), session);
        Publish("q", "1");
        session.Connection.Detach(session);
        VHost.DetachedSessions.Keep("client-1", session, TimeSpan.FromSeconds(10));

        var taken = VHost.DetachedSessions.Take("client-1");
        Time.Advance(TimeSpan.FromMinutes(1));
        OpenGuestConnection().Attach(taken!, 1, _ => new RecordingSink());

        Assert.Same(session, taken);
        Assert.Equal(1, queue.UnackedCount);
        Assert.Equal(1, queue.ConsumerCount);
    }

    [Fact]
    public void Keeping_a_new_session_under_a_kept_key_closes_the_old_one()
    {
        var queue = DeclareQueue("q");
        var first = OpenSession();
        Consume("q", new RecordingSink(), first);
        Publish("q", "1");
        first.Connection.Detach(first);
        VHost.DetachedSessions.Keep("client-1", first, Timeout.InfiniteTimeSpan);
        var second = OpenSession();
        second.Connection.Detach(second);

        VHost.DetachedSessions.Keep("client-1", second, Timeout.InfiniteTimeSpan);

        Assert.Equal(0, queue.ConsumerCount);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Same(second, VHost.DetachedSessions.Take("client-1"));
    }

    [Fact]
    public void A_session_cannot_be_attached_while_attached_nor_to_another_virtual_host()
    {
        Broker.AddVirtualHost("other");
        Broker.FindUser("guest")!.SetPermissions("other", Tidings.Core.Security.VhostPermissions.All);
        var session = OpenSession();

        Assert.Equal(BrokerError.NotAllowed,
            Assert.Throws<BrokerException>(() => OpenGuestConnection().Attach(session, 1, _ => new RecordingSink())).Error);
        session.Connection.Detach(session);
        var elsewhere = Broker.OpenConnection(Broker.FindUser("guest")!, "other", "test");
        Assert.Equal(BrokerError.NotAllowed,
            Assert.Throws<BrokerException>(() => elsewhere.Attach(session, 1, _ => new RecordingSink())).Error);
        Assert.Empty(elsewhere.Sessions);
        Assert.True(session.IsDetached);
    }

    [Fact]
    public void Deleting_the_virtual_host_closes_its_kept_sessions()
    {
        Broker.AddVirtualHost("other");
        Broker.FindUser("guest")!.SetPermissions("other", Tidings.Core.Security.VhostPermissions.All);
        var session = Broker.OpenConnection(Broker.FindUser("guest")!, "other", "test").OpenSession(1);
        session.Connection.Detach(session);
        var vhost = Broker.FindVirtualHost("other")!;
        vhost.DetachedSessions.Keep("client-1", session, Timeout.InfiniteTimeSpan);

        Broker.DeleteVirtualHost("other");

        Assert.Equal(0, vhost.DetachedSessions.Count);
        Assert.True(session.IsClosed);
    }
}
