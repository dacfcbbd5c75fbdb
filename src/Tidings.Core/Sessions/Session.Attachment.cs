using Tidings.Core.Queues;

namespace Tidings.Core.Sessions;

/// <summary>
/// A session that outlives its connection (an MQTT persistent session): detached, it keeps its
/// consumers and its unacked deliveries but is given nothing new; re-attached to another
/// connection, its consumers deliver into the new connection's sinks, and the adapter can resend
/// the deliveries its client never acknowledged under their original tags.
/// </summary>
public sealed partial class Session
{
    /// <summary>The connection holding the session; replaced by <see cref="Attach"/>.</summary>
    private volatile ClientConnection _connection;
    /// <summary>True between <see cref="Detach"/> and <see cref="Attach"/>; read without the lock by credit checks.</summary>
    private volatile bool _detached;

    /// <summary>True once closed (by its adapter, its connection, or its expiry while detached).</summary>
    public bool IsClosed { get { lock (_lock) return _closed; } }

    /// <summary>True while the session belongs to no connection (see <see cref="ClientConnection.Detach"/>).</summary>
    public bool IsDetached => _detached;

    /// <summary>Stops new deliveries and lets the session outlive its connection. Lock-free callers see it at once.</summary>
    internal void Detach()
    {
        lock (_lock)
        {
            ThrowIfClosed();
            if (_detached) throw new BrokerException(BrokerError.NotAllowed, "session is already detached");
            _detached = true;
        }
        // Publisher confirms and reply consumers belong to the old connection's protocol state.
        ConfirmSink = null;
    }

    /// <summary>
    /// Moves a detached session to <paramref name="connection"/> as number <paramref name="number"/>;
    /// every consumer delivers into the sink <paramref name="sinkFor"/> gives it, and deliveries resume.
    /// </summary>
    internal void Attach(ClientConnection connection, int number, Func<Consumer, IConsumerSink> sinkFor)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            if (!_detached) throw new BrokerException(BrokerError.NotAllowed, "session is attached to a connection");
            if (connection.VirtualHost != VirtualHost)
                throw new BrokerException(BrokerError.NotAllowed, $"session belongs to vhost '{VirtualHost.Name}'");
            foreach (var consumer in _consumers.Values) consumer.Sink = sinkFor(consumer);
            _connection = connection;
            Number = number;
            _detached = false;
        }
        DispatchAll();
    }

    /// <summary>
    /// The deliveries awaiting ack, oldest first, with their original tags and marked redelivered,
    /// each message pinned (see <see cref="Messages.Message.Pin"/>): what an adapter resends after a
    /// re-attach (MQTT: unacknowledged PUBLISH packets with their packet ids, DUP set). Deliveries
    /// whose queue has since dropped them (deleted, purged) are left out.
    /// </summary>
    public List<Delivery> Outstanding()
    {
        var unacked = new List<(ulong Tag, Unacked Delivery)>();
        lock (_lock) _unacked.CopyTo(unacked);
        var outstanding = new List<Delivery>(unacked.Count);
        foreach (var (tag, delivery) in unacked)
        {
            if (!delivery.Queue.TryReadOut(delivery.Handle, out var got)) continue;
            outstanding.Add(new Delivery(delivery.Consumer?.Tag ?? "", tag, redelivered: true, delivery.Queue.Name, got.Message,
                delivery.Handle, got.DeliveryCount));
        }
        return outstanding;
    }
}
