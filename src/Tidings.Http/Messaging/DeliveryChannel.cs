using System.Diagnostics;
using System.Threading.Channels;
using Tidings.Core.Sessions;

namespace Tidings.Http.Messaging;

/// <summary>Why a stream of deliveries ended before its client left.</summary>
internal enum StreamEnd
{
    /// <summary>The queue was deleted.</summary>
    QueueDeleted,
    /// <summary>An operator closed the connection.</summary>
    ConnectionClosed,
    /// <summary>The server is stopping.</summary>
    ShuttingDown,
    /// <summary>An invariant broke (a full delivery buffer); the session is closed and its messages requeued.</summary>
    Failed,
}

/// <summary>
/// The consumer sink of a REST client: queue threads hand deliveries to a bounded channel, and the
/// request's async loop writes them out. Deliver never blocks and never calls back into the
/// broker, as the core requires of a sink called under its queue and session locks.
/// </summary>
internal sealed class DeliveryChannel : IConsumerSink
{
    /// <summary>
    /// Deliveries not yet written. Its capacity is the consumer's prefetch and everything in it is
    /// unacked, so the core's credit check guarantees a write always finds room.
    /// </summary>
    private readonly Channel<Delivery> _channel;
    /// <summary>Why the stream ended; set once by <see cref="End"/>, then the channel completes.</summary>
    private Ending? _ending;

    private sealed record Ending(StreamEnd Kind, string Reason);

    public DeliveryChannel(int capacity)
    {
        _channel = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            // Deliver runs under queue locks: the reader's continuation must not run inline there.
            AllowSynchronousContinuations = false,
        });
    }

    public ChannelReader<Delivery> Reader => _channel.Reader;

    /// <summary>Non-null once the stream ended; the reader stops writing then.</summary>
    public string? EndReason => Volatile.Read(ref _ending)?.Reason;

    /// <summary>Valid once <see cref="EndReason"/> is set.</summary>
    public StreamEnd EndKind => Volatile.Read(ref _ending)?.Kind ?? StreamEnd.Failed;

    public void Deliver(in Delivery delivery)
    {
        if (_channel.Writer.TryWrite(delivery)) return;
        if (EndReason is not null) return; // ended: the session is closing and requeues the message
        Debug.Fail("a delivery found the channel full: prefetch should make that impossible");
        End(StreamEnd.Failed, "internal error: the delivery buffer overflowed; unacked messages were requeued");
    }

    public void CancelledByBroker(Consumer consumer) =>
        End(StreamEnd.QueueDeleted, $"queue '{consumer.Queue.Name}' in vhost '{consumer.Queue.VirtualHost.Name}' was deleted");

    /// <summary>A delivery to this sink threw (the core stopped the consumer and kept the message): the stream ends.</summary>
    public void DeliveryFailed(Consumer? consumer, Exception error) =>
        End(StreamEnd.Failed, "internal error: a delivery failed; unacked messages were requeued");

    /// <summary>Ends the stream (first reason wins) and wakes the reader.</summary>
    public void End(StreamEnd kind, string reason)
    {
        if (Interlocked.CompareExchange(ref _ending, new Ending(kind, reason), null) is null)
            _channel.Writer.TryComplete();
    }
}
