using Tidings.Core.Queues;

namespace Tidings.Core.Sessions;

/// <summary>A subscription of a session to a queue: push delivery within its prefetch limits.</summary>
public sealed class Consumer
{
    /// <summary>Deliveries not yet acked, counted against <see cref="PrefetchCount"/>. Interlocked.</summary>
    private int _unacked;

    internal Consumer(Session session, IQueue queue, string tag, bool noAck, bool exclusive, int priority,
        ushort prefetchCount, IConsumerSink sink, IReadOnlyDictionary<string, object?>? arguments)
    {
        Session = session;
        Queue = queue;
        Tag = tag;
        NoAck = noAck;
        Exclusive = exclusive;
        Priority = priority;
        PrefetchCount = prefetchCount;
        _sink = sink;
        Arguments = arguments;
    }

    public Session Session { get; }
    public IQueue Queue { get; }
    public string Tag { get; }
    /// <summary>Messages count as acked when sent (at-most-once).</summary>
    public bool NoAck { get; }
    /// <summary>No other consumer may use the queue while this one exists.</summary>
    public bool Exclusive { get; }
    /// <summary>x-priority: higher-priority consumers get messages first while they have credit.</summary>
    public int Priority { get; }
    /// <summary>Per-consumer prefetch limit (0 = unlimited).</summary>
    public ushort PrefetchCount { get; }
    /// <summary>Where deliveries go; replaced when a detached session is re-attached to a new connection.</summary>
    public IConsumerSink Sink { get => _sink; internal set => _sink = value; }
    private volatile IConsumerSink _sink;
    public IReadOnlyDictionary<string, object?>? Arguments { get; }

    /// <summary>Deliveries to this consumer awaiting ack.</summary>
    public int UnackedCount => Volatile.Read(ref _unacked);

    /// <summary>True while the consumer is registered with its queue.</summary>
    public bool IsActive { get; internal set; }

    /// <summary>Takes one unit of credit for a delivery; false when a limit is reached.</summary>
    internal bool TryReserve()
    {
        if (!IsActive || !Session.IsFlowActive) return false;
        if (NoAck) return true;
        if (Interlocked.Increment(ref _unacked) > PrefetchCount && PrefetchCount != 0)
        {
            Interlocked.Decrement(ref _unacked);
            return false;
        }
        if (!Session.TryReserveSessionCredit())
        {
            Interlocked.Decrement(ref _unacked);
            return false;
        }
        return true;
    }

    /// <summary>Returns the credit of one acked, rejected or undeliverable message.</summary>
    internal void Release()
    {
        if (NoAck) return;
        Interlocked.Decrement(ref _unacked);
        Session.ReleaseSessionCredit();
    }
}
