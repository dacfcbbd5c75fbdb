using Tidings.Core.Sessions;

namespace Tidings.Core.Queues;

/// <summary>
/// A queue's consumers and who gets the next message: the highest priority with credit, taking
/// turns (round-robin) within a priority; or, with single-active-consumer, always the first
/// registered. Not thread-safe: the queue's lock guards it.
/// </summary>
internal sealed class ConsumerRing
{
    /// <summary>Consumers ordered by priority (desc), rotated within a priority for round-robin.</summary>
    private readonly List<Consumer> _byPriority = [];
    /// <summary>Consumers in registration order: the first is the single active one when SAC is on.</summary>
    private readonly List<Consumer> _registrationOrder = [];

    public int Count => _byPriority.Count;

    /// <summary>True when an exclusive consumer is registered.</summary>
    public bool HasExclusive => _byPriority.Exists(c => c.Exclusive);

    /// <summary>A snapshot in registration order.</summary>
    public List<Consumer> Snapshot() => [.. _registrationOrder];

    /// <summary>The first registered consumer (the single active one), or null.</summary>
    public Consumer? First => _registrationOrder.Count > 0 ? _registrationOrder[0] : null;

    /// <summary>Adds behind the consumers of the same or higher priority.</summary>
    public void Add(Consumer consumer)
    {
        int index = _byPriority.FindIndex(c => c.Priority < consumer.Priority);
        _byPriority.Insert(index < 0 ? _byPriority.Count : index, consumer);
        _registrationOrder.Add(consumer);
    }

    /// <summary>False when the consumer was not registered.</summary>
    public bool Remove(Consumer consumer)
    {
        if (!_byPriority.Remove(consumer)) return false;
        _registrationOrder.Remove(consumer);
        return true;
    }

    public void Clear()
    {
        _byPriority.Clear();
        _registrationOrder.Clear();
    }

    /// <summary>Picks and reserves credit on the next consumer (rotating it for round-robin); null when none has credit.</summary>
    public Consumer? Pick(bool singleActive)
    {
        if (singleActive)
        {
            var active = _registrationOrder[0];
            return active.TryReserve() ? active : null;
        }
        for (int i = 0; i < _byPriority.Count; i++)
        {
            var candidate = _byPriority[i];
            if (!candidate.TryReserve()) continue;
            // Move behind the others of the same priority so they take turns.
            int last = i;
            while (last + 1 < _byPriority.Count && _byPriority[last + 1].Priority == candidate.Priority) last++;
            if (last != i)
            {
                _byPriority.RemoveAt(i);
                _byPriority.Insert(last, candidate);
            }
            return candidate;
        }
        return null;
    }
}
