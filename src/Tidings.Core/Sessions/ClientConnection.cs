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
