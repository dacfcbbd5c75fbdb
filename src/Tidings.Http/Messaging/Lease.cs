using Tidings.Core.Security;

namespace Tidings.Http.Messaging;

/// <summary>
/// The messages a manual-ack get returned, held unacked on their REST session until the client
/// settles them all or the lease expires; then the session closes, requeueing what is left.
/// </summary>
internal sealed class Lease
{
    /// <summary>The session holding the leased deliveries unacked; disposed when the lease ends.</summary>
    private readonly RestSession _session;
    /// <summary>Where the lease is registered by id; it removes itself when it ends.</summary>
    private readonly MessagingRegistry _registry;
    /// <summary>Fires once at expiry; disposed when the lease ends first. Set once by <see cref="Start"/>.</summary>
    private ITimer? _timer;
    /// <summary>1 once ended. Interlocked.</summary>
    private int _ended;

    public Lease(string id, RestSession session, MessagingRegistry registry, DateTimeOffset expiresAt)
    {
        Id = id;
        _session = session;
        _registry = registry;
        ExpiresAt = expiresAt;
    }

    /// <summary>Unguessable id; acks name the lease by it.</summary>
    public string Id { get; }

    public User Owner => _session.User;

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Arms the expiry timer on the broker's clock.</summary>
    public void Start(TimeProvider time, TimeSpan duration) =>
        _timer = time.CreateTimer(static state => ((Lease)state!).Expire(), this, duration, Timeout.InfiniteTimeSpan);

    /// <summary>The timer's entry: a fault while ending the lease is reported, never thrown into the timer thread.</summary>
    private void Expire() =>
        _session.Connection.Broker.Faults.Guard($"lease '{Id}' expiry", this, static lease => lease.End());

    /// <summary>Acks one delivery, those up to it (<paramref name="multiple"/>) or, with no tag, all; returns how many are left.</summary>
    public int Ack(ulong? deliveryTag, bool multiple) =>
        Settled(deliveryTag is { } tag ? _session.Ack(tag, multiple) : _session.Ack(0, multiple: true));

    /// <summary>Nacks like <see cref="Ack"/> selects; returns how many are left.</summary>
    public int Nack(ulong? deliveryTag, bool multiple, bool requeue) =>
        Settled(deliveryTag is { } tag ? _session.Nack(tag, multiple, requeue) : _session.Nack(0, multiple: true, requeue));

    /// <summary>Ends the lease: unsettled messages are requeued, marked redelivered.</summary>
    public void End()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _registry.Remove(this);
        _timer?.Dispose();
        _session.Dispose();
    }

    private int Settled(int unacked)
    {
        if (unacked == 0) End();
        return unacked;
    }
}
