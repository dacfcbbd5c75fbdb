using Tidings.Core;
using Tidings.Core.Queues;
using Tidings.Core.Security;

namespace Tidings.Http.Messaging;

/// <summary>
/// The deliveries a manual-ack get received, by the delivery tags (1…n) the client settles them
/// with. No connection holds them: the core's connectionless receive gave each a visibility
/// timeout equal to the lease, so they return to the queue on their own when it expires; the
/// lease only maps tags to handles and leaves the registry when all are settled or it expires.
/// </summary>
internal sealed class Lease
{
    /// <summary>Guards <see cref="_handles"/>: ack requests for one lease may arrive concurrently.</summary>
    private readonly Lock _lock = new();
    /// <summary>The delivery handles by tag − 1; empty once settled. Guarded by <see cref="_lock"/>.</summary>
    private readonly DeliveryHandle[] _handles;
    /// <summary>How many handles are not settled yet. Guarded by <see cref="_lock"/>.</summary>
    private int _unsettled;
    /// <summary>The virtual host that settles the handles.</summary>
    private readonly VirtualHost _virtualHost;
    /// <summary>Where the lease is registered by id; it removes itself when it ends.</summary>
    private readonly MessagingRegistry _registry;
    /// <summary>Fires once at expiry; disposed when the lease ends first. Set once by <see cref="Start"/>.</summary>
    private ITimer? _timer;
    /// <summary>1 once ended. Interlocked.</summary>
    private int _ended;

    public Lease(string id, User owner, VirtualHost virtualHost, IReadOnlyList<QueueDelivery> deliveries,
        MessagingRegistry registry, DateTimeOffset expiresAt)
    {
        Id = id;
        Owner = owner;
        _virtualHost = virtualHost;
        _handles = [.. deliveries.Select(d => d.Handle)];
        _unsettled = _handles.Length;
        _registry = registry;
        ExpiresAt = expiresAt;
    }

    /// <summary>Unguessable id; acks name the lease by it.</summary>
    public string Id { get; }

    public User Owner { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Arms the expiry timer on the broker's clock.</summary>
    public void Start(TimeProvider time, TimeSpan duration) =>
        _timer = time.CreateTimer(static state => ((Lease)state!).Expire(), this, duration, Timeout.InfiniteTimeSpan);

    /// <summary>The timer's entry: a fault while ending the lease is reported, never thrown into the timer thread.</summary>
    private void Expire() =>
        _virtualHost.Broker.Faults.Guard($"lease '{Id}' expiry", this, static lease => lease.End());

    /// <summary>Acks one delivery, those up to it (<paramref name="multiple"/>) or, with no tag, all; returns how many are left.</summary>
    public int Ack(ulong? deliveryTag, bool multiple) => Settle(deliveryTag, multiple, Settlement.Ack);

    /// <summary>Nacks like <see cref="Ack"/> selects (requeued or dead-lettered); returns how many are left.</summary>
    public int Nack(ulong? deliveryTag, bool multiple, bool requeue) =>
        Settle(deliveryTag, multiple, requeue ? Settlement.Requeue : Settlement.Reject);

    /// <summary>Ends the lease: what is not settled goes back to the queue now, marked redelivered.</summary>
    public void End()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _registry.Remove(this);
        _timer?.Dispose();
        DeliveryHandle[] left;
        lock (_lock)
        {
            left = [.. _handles.Where(h => !h.IsEmpty)];
            Array.Clear(_handles);
            _unsettled = 0;
        }
        // Handles whose visibility timeout already returned them are stale and skipped.
        _virtualHost.Settle(left, Settlement.Requeue);
    }

    private int Settle(ulong? deliveryTag, bool multiple, Settlement how)
    {
        if (Volatile.Read(ref _ended) != 0) throw RestException.NotFound($"no lease '{Id}': it has ended or expired");
        DeliveryHandle[] chosen;
        int left;
        lock (_lock)
        {
            int last = deliveryTag is { } tag ? (int)Math.Min(tag, (ulong)_handles.Length) : _handles.Length;
            if (deliveryTag is { } t && (t == 0 || t > (ulong)_handles.Length || _handles[t - 1].IsEmpty))
                throw new BrokerException(BrokerError.PreconditionFailed, $"unknown delivery tag {t}");
            int first = deliveryTag is null || multiple ? 0 : last - 1;
            chosen = [.. _handles[first..last].Where(h => !h.IsEmpty)];
            for (int i = first; i < last; i++) _handles[i] = default;
            _unsettled -= chosen.Length;
            left = _unsettled;
        }
        _virtualHost.Settle(chosen, how);
        if (left == 0) End();
        return left;
    }
}
