using System.Collections.Concurrent;
using System.Security.Cryptography;
using Tidings.Core;
using Tidings.Core.Security;

namespace Tidings.Http.Messaging;

/// <summary>
/// The open SSE streams and get leases, by id, so that ack and nack requests (which arrive on
/// other HTTP requests) find them. One per application; leases end when the application stops.
/// </summary>
internal sealed class MessagingRegistry(Broker broker, CancellationToken stopping) : IDisposable
{
    /// <summary>SSE streams by id, added when the stream starts and removed when its request ends.</summary>
    private readonly ConcurrentDictionary<string, ConsumerStream> _streams = new(StringComparer.Ordinal);
    /// <summary>Leases by id, removed when they end (all settled, expired, or shutdown).</summary>
    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    public Broker Broker { get; } = broker;

    /// <summary>Cancelled when the application stops: streams end and say so.</summary>
    public CancellationToken Stopping { get; } = stopping;

    /// <summary>A new unguessable id (128 random bits, hex).</summary>
    public static string NewId() => RandomNumberGenerator.GetHexString(32, lowercase: true);

    public void Add(ConsumerStream stream) => _streams[stream.Id] = stream;

    public void Remove(ConsumerStream stream) => _streams.TryRemove(new KeyValuePair<string, ConsumerStream>(stream.Id, stream));

    /// <summary>The stream with that id if <paramref name="user"/> opened it; someone else's stream is not found.</summary>
    public ConsumerStream? FindStream(string id, User user) =>
        _streams.TryGetValue(id, out var stream) && stream.Owner.Name == user.Name ? stream : null;

    /// <summary>Holds received deliveries under a new lease that expires after <paramref name="duration"/> (their visibility timeout).</summary>
    public Lease StartLease(User owner, VirtualHost virtualHost, IReadOnlyList<Tidings.Core.Queues.QueueDelivery> deliveries, TimeSpan duration)
    {
        var lease = new Lease(NewId(), owner, virtualHost, deliveries, this, Broker.Time.GetUtcNow() + duration);
        _leases[lease.Id] = lease;
        lease.Start(Broker.Time, duration);
        return lease;
    }

    public void Remove(Lease lease) => _leases.TryRemove(new KeyValuePair<string, Lease>(lease.Id, lease));

    /// <summary>The lease with that id if <paramref name="user"/> holds it.</summary>
    public Lease? FindLease(string id, User user) =>
        _leases.TryGetValue(id, out var lease) && lease.Owner.Name == user.Name ? lease : null;

    /// <summary>Ends every lease (requeueing its messages).</summary>
    public void Dispose()
    {
        foreach (var lease in _leases.Values) lease.End();
    }
}
