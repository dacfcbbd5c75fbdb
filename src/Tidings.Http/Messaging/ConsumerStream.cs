using System.Threading.Channels;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Core.Sessions;

namespace Tidings.Http.Messaging;

/// <summary>
/// A queue consumer feeding one SSE or WebSocket client: its REST session, the core consumer and
/// the bounded channel between them. The request's loop reads <see cref="Deliveries"/>, calls
/// <see cref="MarkSent"/> before writing each one and <see cref="Written"/> once it is flushed;
/// the client settles deliveries with <see cref="Ack"/> and <see cref="Nack"/>.
/// </summary>
internal sealed class ConsumerStream : IDisposable
{
    /// <summary>The stream's own connection and session; closing it requeues what the client did not ack.</summary>
    private readonly RestSession _session;
    /// <summary>Deliveries between the queue threads (writers) and the request's loop (the one reader).</summary>
    private readonly DeliveryChannel _deliveries;
    /// <summary>
    /// Highest delivery tag handed to the client. Only tags up to it may be settled: a client
    /// acking tags it has not seen would release credit for deliveries still in the channel and
    /// let the queue overfill it. Written by the loop, read by ack requests.
    /// </summary>
    private long _lastSentTag;

    private ConsumerStream(string id, string queue, ConsumeOptions options, RestSession session, DeliveryChannel deliveries)
    {
        Id = id;
        Queue = queue;
        Options = options;
        _session = session;
        _deliveries = deliveries;
    }

    /// <summary>
    /// Opens a session and starts consuming <paramref name="queue"/>. Throws BrokerException (missing
    /// queue, no read permission, exclusive use) before anything is sent to the client.
    /// </summary>
    public static ConsumerStream Start(RestCaller caller, string queue, ConsumeOptions options, string description)
    {
        var session = RestSession.Open(caller, "stream", description);
        try
        {
            var deliveries = new DeliveryChannel(options.Prefetch);
            var stream = new ConsumerStream(MessagingRegistry.NewId(), queue, options, session, deliveries);
            session.OnCloseRequested(reason =>
            {
                deliveries.End(StreamEnd.ConnectionClosed, $"connection closed by an operator: {reason}");
                session.Dispose();
            });
            session.Consume(queue, options.Prefetch, deliveries);
            return stream;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Unguessable id; acks name the stream by it.</summary>
    public string Id { get; }

    public string Queue { get; }

    public ConsumeOptions Options { get; }

    public User Owner => _session.User;

    public VirtualHost VirtualHost => _session.Connection.VirtualHost;

    public ChannelReader<Delivery> Deliveries => _deliveries.Reader;

    /// <summary>Non-null once the stream ended (queue deleted, forced close, shutdown).</summary>
    public string? EndReason => _deliveries.EndReason;

    public StreamEnd EndKind => _deliveries.EndKind;

    /// <summary>Ends the stream: the loop stops writing, says why, and the session closes.</summary>
    public void End(StreamEnd kind, string reason) => _deliveries.End(kind, reason);

    /// <summary>Called before a delivery is written: from now on the client may settle it.</summary>
    public void MarkSent(ulong deliveryTag) => Volatile.Write(ref _lastSentTag, (long)deliveryTag);

    /// <summary>
    /// The deliveries up to <paramref name="deliveryTag"/> reached the client (written and flushed):
    /// in auto mode they are acked now, which lets the queue deliver the next ones.
    /// </summary>
    public void Written(ulong deliveryTag, long bytes)
    {
        _session.Connection.CountTraffic(0, bytes);
        if (Options.AckMode != AckMode.Auto) return;
        try
        {
            _session.Ack(deliveryTag, multiple: true);
        }
        catch (Exception e) when (e is RestException or BrokerException)
        {
            // The session closed under us (forced close): its deliveries are requeued already.
            End(StreamEnd.ConnectionClosed, "the connection was closed");
        }
    }

    /// <summary>Acks one delivery (or all up to it); returns how many stay unacked.</summary>
    public int Ack(ulong deliveryTag, bool multiple)
    {
        CheckSettle(deliveryTag);
        return _session.Ack(deliveryTag, multiple);
    }

    /// <summary>Nacks one delivery (or all up to it), requeued or dead-lettered; returns how many stay unacked.</summary>
    public int Nack(ulong deliveryTag, bool multiple, bool requeue)
    {
        CheckSettle(deliveryTag);
        return _session.Nack(deliveryTag, multiple, requeue);
    }

    /// <summary>Closes the session: the consumer stops and unacked deliveries are requeued.</summary>
    public void Dispose() => _session.Dispose();

    private void CheckSettle(ulong deliveryTag)
    {
        if (Options.AckMode == AckMode.Auto)
            throw RestException.BadRequest("this stream acknowledges automatically (ack=auto); ack and nack are for ack=manual streams");
        if (deliveryTag == 0 || deliveryTag > (ulong)Volatile.Read(ref _lastSentTag))
            throw new BrokerException(BrokerError.PreconditionFailed, $"unknown delivery tag {deliveryTag}");
    }
}
