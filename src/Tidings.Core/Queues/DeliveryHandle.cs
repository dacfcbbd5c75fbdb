namespace Tidings.Core.Queues;

/// <summary>
/// Names one delivery of one queue entry, so it can be settled later by whoever holds it: an
/// AMQP delivery tag, an MQTT packet id or an SQS receipt handle maps onto one in its adapter.
/// A struct over the entry and its episode's generation: handing one out allocates nothing, and
/// a handle from an earlier delivery of the same entry (redelivered since, or settled) is stale.
/// </summary>
public readonly struct DeliveryHandle : IEquatable<DeliveryHandle>
{
    internal DeliveryHandle(IQueue queue, QueueEntry entry, uint generation)
    {
        Queue = queue;
        Entry = entry;
        Generation = generation;
    }

    /// <summary>The queue the delivery came from; null for the default (empty) handle.</summary>
    public IQueue? Queue { get; }

    /// <summary>The delivered entry (reused by the queue after it is acked: see <see cref="Generation"/>).</summary>
    internal QueueEntry? Entry { get; }

    /// <summary>The entry's episode this handle belongs to.</summary>
    internal uint Generation { get; }

    /// <summary>
    /// The handle as plain data (the entry's position and this generation), valid as long as the
    /// handle is; the default handle's token names nothing.
    /// </summary>
    public DeliveryToken Token => Entry is { } entry ? new DeliveryToken(entry.Sequence, Generation) : default;

    /// <summary>True for the default handle, which names nothing.</summary>
    public bool IsEmpty => Entry is null;

    /// <summary>True while the delivery it names is still out and unsettled.</summary>
    internal bool IsCurrent => Entry is { } entry && entry.Generation == Generation && entry.State == EntryState.Out;

    public bool Equals(DeliveryHandle other) => ReferenceEquals(Entry, other.Entry) && Generation == other.Generation;

    public override bool Equals(object? obj) => obj is DeliveryHandle other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Entry, Generation);

    public static bool operator ==(DeliveryHandle left, DeliveryHandle right) => left.Equals(right);

    public static bool operator !=(DeliveryHandle left, DeliveryHandle right) => !left.Equals(right);
}
