using System.Net;
using Tidings.Core.Security;

namespace Tidings.Core.Sessions;

/// <summary>
/// A client's connection to one virtual host, as a protocol adapter opened it. It owns its
/// sessions and its exclusive queues; closing it closes both.
/// </summary>
public sealed class ClientConnection : IDisposable
{
    /// <summary>Guards <see cref="_sessions"/>.</summary>
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Session> _sessions = [];
    /// <summary>Exclusive queues this connection declared; deleted when it closes. Guarded by _lock.</summary>
    private readonly List<Queues.IQueue> _exclusiveQueues = [];
    private bool _closed;

    internal ClientConnection(Broker broker, long id, VirtualHost virtualHost, User user, string protocol,
        EndPoint? remoteEndPoint, IReadOnlyDictionary<string, object?>? clientProperties)
    {
        Broker = broker;
        Id = id;
        VirtualHost = virtualHost;
        User = user;
        Protocol = protocol;
        RemoteEndPoint = remoteEndPoint;
        ClientProperties = clientProperties;
        ConnectedAt = broker.Time.GetUtcNow();
    }

    public Broker Broker { get; }
    /// <summary>Unique within the broker.</summary>
    public long Id { get; }
    public VirtualHost VirtualHost { get; }
    public User User { get; }
    /// <summary>e.g. "AMQP 0-9-1".</summary>
    public string Protocol { get; }
    public EndPoint? RemoteEndPoint { get; }
    /// <summary>What the client said about itself (product, version, capabilities, connection_name).</summary>
    public IReadOnlyDictionary<string, object?>? ClientProperties { get; }
    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Protocol details the adapter negotiated (frame max, heartbeat, auth mechanism…), for listings.</summary>
    public ConnectionDetails Details { get; } = new();

    /// <summary>Bytes read from the client. Updated by the adapter.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Bytes written to the client. Updated by the adapter.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    private long _bytesReceived;
    private long _bytesSent;
    /// <summary>How the adapter closes its protocol connection when an operator asks (set once).</summary>
    private Action<string>? _closeRequested;

    /// <summary>Adds to the traffic counters (adapter's I/O loops).</summary>
    public void CountTraffic(long received, long sent)
    {
        if (received != 0) Interlocked.Add(ref _bytesReceived, received);
        if (sent != 0) Interlocked.Add(ref _bytesSent, sent);
    }

    /// <summary>Registers how the adapter closes the client's connection (AMQP: connection.close 320).</summary>
    public void OnCloseRequested(Action<string> close) => _closeRequested = close;

    /// <summary>
    /// Asks the adapter to close the connection with <paramref name="reason"/> (management's
    /// "force close"). Without an adapter handler the broker-side state is closed directly.
    /// </summary>
    public void RequestClose(string reason)
    {
        if (_closeRequested is { } close) close(reason);
        else Dispose();
    }

    /// <summary>The open sessions.</summary>
    public IReadOnlyList<Session> Sessions { get { lock (_lock) return [.. _sessions.Values]; } }

    /// <summary>Opens a session numbered <paramref name="number"/> (the AMQP channel number).</summary>
    public Session OpenSession(int number)
    {
        lock (_lock)
        {
            if (_closed) throw new BrokerException(BrokerError.NotAllowed, "connection is closed");
            if (_sessions.ContainsKey(number))
                throw new BrokerException(BrokerError.NotAllowed, $"session {number} is already open");
            var session = new Session(this, number);
            _sessions[number] = session;
            return session;
        }
    }

    /// <summary>
    /// Lets <paramref name="session"/> outlive this connection (MQTT: a persistent session): it
    /// leaves the connection, so closing the connection no longer closes it, and it keeps its
    /// consumers and unacked deliveries but receives nothing until <see cref="Attach"/>. The
    /// adapter keeps it (<see cref="VirtualHost.DetachedSessions"/>) or closes it.
    /// </summary>
    public void Detach(Session session)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(session.Number, out var current) || current != session)
                throw new BrokerException(BrokerError.NotAllowed, $"session {session.Number} is not open on this connection");
            session.Detach();
            _sessions.Remove(session.Number);
        }
    }

    /// <summary>
    /// Re-attaches a detached <paramref name="session"/> of this connection's virtual host as
    /// number <paramref name="number"/>; its consumers deliver into the sinks
    /// <paramref name="sinkFor"/> returns, starting with what is ready now. Resend what the
    /// client never acknowledged from <see cref="Session.Outstanding"/>.
    /// </summary>
    public void Attach(Session session, int number, Func<Consumer, IConsumerSink> sinkFor)
    {
        lock (_lock)
        {
            if (_closed) throw new BrokerException(BrokerError.NotAllowed, "connection is closed");
            if (_sessions.ContainsKey(number))
                throw new BrokerException(BrokerError.NotAllowed, $"session {number} is already open");
            _sessions[number] = session;
        }
        try
        {
            // Outside the connection lock: attaching dispatches, which takes queue locks.
            session.Attach(this, number, sinkFor);
        }
        catch
        {
            lock (_lock) _sessions.Remove(number);
            throw;
        }
    }

    internal void AddExclusiveQueue(Queues.IQueue queue)
    {
        lock (_lock) _exclusiveQueues.Add(queue);
    }

    internal void RemoveExclusiveQueue(Queues.IQueue queue)
    {
        lock (_lock) _exclusiveQueues.Remove(queue);
    }

    internal IReadOnlyList<Queues.IQueue> ExclusiveQueues
    {
        get { lock (_lock) return [.. _exclusiveQueues]; }
    }

    internal void SessionClosed(Session session)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(session.Number, out var current) && current == session) _sessions.Remove(session.Number);
        }
    }

    /// <summary>Closes every session (requeueing unacked messages) and deletes exclusive queues.</summary>
    public void Dispose()
    {
        List<Session> sessions;
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            sessions = [.. _sessions.Values];
        }
        foreach (var session in sessions) session.Close();
        VirtualHost.ConnectionClosed(this);
        Broker.Unregister(this);
    }
}
