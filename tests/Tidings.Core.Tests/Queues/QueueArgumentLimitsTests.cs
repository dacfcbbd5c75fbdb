using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Queues;

public sealed class QueueArgumentLimitsTests : IDisposable
{
    private readonly Broker _broker = new(new BrokerOptions { MemoryHighWatermarkBytes = 0 });

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void A_max_priority_above_255_is_refused_rather_than_capped()
    {
        var e = Assert.Throws<BrokerException>(() =>
            _broker.DefaultVirtualHost.DeclareQueue("too-many", arguments: TestMessages.Table(("x-max-priority", 256))));

        Assert.Equal(BrokerError.PreconditionFailed, e.Error);
        Assert.Contains("x-max-priority", e.Message);
        _broker.DefaultVirtualHost.DeclareQueue("just-right", arguments: TestMessages.Table(("x-max-priority", 255)));
    }

    [Fact]
    public void Deleting_a_virtual_host_takes_away_every_permission_on_it()
    {
        var user = _broker.AddUser("bob", "pw");
        _broker.AddVirtualHost("temp");
        user.SetPermissions("temp", Tidings.Core.Security.VhostPermissions.All);

        _broker.DeleteVirtualHost("temp");
        _broker.AddVirtualHost("temp");

        Assert.Null(user.PermissionsFor("temp"));
    }

    [Fact]
    public void Closing_a_connection_deletes_its_exclusive_queues_and_no_other()
    {
        var guest = _broker.FindUser("guest")!;
        var first = _broker.OpenConnection(guest, "/", "test");
        var second = _broker.OpenConnection(guest, "/", "test");
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("mine", exclusive: true, caller: first);
        vhost.DeclareQueue("theirs", exclusive: true, caller: second);
        vhost.DeclareQueue("gone-early", exclusive: true, caller: first);
        vhost.DeleteQueue("gone-early", caller: first);

        first.Dispose();

        Assert.Null(vhost.FindQueue("mine"));
        Assert.NotNull(vhost.FindQueue("theirs"));
    }
}

public sealed class VirtualHostDeletionTests
{
    [Fact]
    public void Deleting_a_virtual_host_asks_each_of_its_connections_to_close_with_a_reason()
    {
        using var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        broker.AddVirtualHost("temp");
        var guest = broker.FindUser("guest")!;
        guest.SetPermissions("temp", Tidings.Core.Security.VhostPermissions.All);
        var connection = broker.OpenConnection(guest, "temp", "test");
        string? reason = null;
        connection.OnCloseRequested(r => reason = r);
        var other = broker.OpenConnection(guest, "/", "test");
        string? otherReason = null;
        other.OnCloseRequested(r => otherReason = r);

        broker.DeleteVirtualHost("temp");

        Assert.Equal("vhost deleted", reason);
        Assert.Null(otherReason);
    }
}
