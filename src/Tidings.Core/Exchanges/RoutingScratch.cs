using Tidings.Core.Queues;

namespace Tidings.Core.Exchanges;

/// <summary>
/// Reusable working space for routing one message, so that the publish path does not allocate
/// collections per message. Owned by one publisher (a session) and never shared across threads.
/// </summary>
internal sealed class RoutingScratch
{
    /// <summary>Destinations matched by the exchange being visited.</summary>
    public readonly List<IBindingDestination> Matched = [];
    /// <summary>Queues the message goes to, without duplicates, in first-match order.</summary>
    public readonly List<IQueue> Queues = [];
    public readonly HashSet<IQueue> QueueSet = new(ReferenceEqualityComparer.Instance);
    /// <summary>Exchanges seen, so exchange-to-exchange cycles terminate.</summary>
    public readonly HashSet<Exchange> Visited = [];
    public readonly Stack<Exchange> Pending = new();

    public void Clear()
    {
        Matched.Clear();
        Queues.Clear();
        QueueSet.Clear();
        Visited.Clear();
        Pending.Clear();
    }
}
