using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Security;
using Tidings.Core.Sessions;

namespace Tidings.Http.Messaging;

/// <summary>
/// A core connection ("HTTP") with its one session, opened for one SSE/WebSocket
/// stream, so permissions, exclusivity, prefetch, operator close and requeue-on-close come from the
/// core as for AMQP. A get or a publish needs none of that: they use the core's connectionless calls.
/// </summary>
internal sealed class RestSession : IDisposable
{
    /// <summary>
    /// Serialises every call into <see cref="_session"/>: the core expects one caller at a time,
    /// while acks for a stream or lease arrive on other requests as the stream's own loop runs.
    /// Queue threads never take it (deliveries reach the sink under the core's own locks), so
    /// holding it while calling the core cannot deadlock.
    /// </summary>
    private readonly Lock _gate = new();
    /// <summary>The "HTTP" connection opened for this session alone; disposed with it.</summary>
    private readonly ClientConnection _connection;
    /// <summary>Session 1 of <see cref="_connection"/>. Called only under <see cref="_gate"/>.</summary>
    private readonly Session _session;
    /// <summary>"stream" or "request", for the error after the session ended.</summary>
    private readonly string _kind;
    /// <summary>Set once under <see cref="_gate"/>; afterwards every call fails with 404.</summary>
    private bool _closed;

    private RestSession(ClientConnection connection, Session session, string kind)
    {
        _connection = connection;
        _session = session;
        _kind = kind;
    }

    /// <summary>Opens the connection and session. <paramref name="description"/> names it in connection listings.</summary>
    public static RestSession Open(RestCaller caller, string kind, string description)
    {
        var properties = new Dictionary<string, object?>
        {
            ["product"] = "Tidings REST messaging",
            ["connection_name"] = description,
        };
        var connection = caller.Broker.OpenConnection(caller.User, caller.VirtualHost.Name, "HTTP", caller.RemoteEndPoint, properties);
        try
        {
            connection.Details.AuthMechanism = "HTTP Basic";
            return new RestSession(connection, connection.OpenSession(1), kind);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ClientConnection Connection => _connection;

    public User User => _connection.User;

    /// <summary>Starts a consumer with its own prefetch (always noAck=false, see <see cref="AckMode.Auto"/>).</summary>
    public Consumer Consume(string queue, ushort prefetch, IConsumerSink sink)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            _session.SetPrefetch(prefetch, global: false);
            return _session.Consume(queue, consumerTag: null, noAck: false, exclusive: false, arguments: null, sink);
        }
    }

    /// <summary>Stops a consumer; what it delivered stays unacked on the session.</summary>
    public void Cancel(string consumerTag)
    {
        lock (_gate)
        {
            if (!_closed) _session.Cancel(consumerTag);
        }
    }

    /// <summary>Acks (tag 0 with multiple: everything); returns how many deliveries stay unacked.</summary>
    public int Ack(ulong deliveryTag, bool multiple)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            _session.Ack(deliveryTag, multiple);
            return _session.UnackedCount;
        }
    }

    /// <summary>Nacks (tag 0 with multiple: everything); returns how many deliveries stay unacked.</summary>
    public int Nack(ulong deliveryTag, bool multiple, bool requeue)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            _session.Nack(deliveryTag, multiple, requeue);
            return _session.UnackedCount;
        }
    }

    /// <summary>Runs <paramref name="handler"/> when an operator closes the connection (management "force close").</summary>
    public void OnCloseRequested(Action<string> handler) => _connection.OnCloseRequested(handler);

    /// <summary>Closes the connection: consumers stop and unacked deliveries are requeued, marked redelivered.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            _connection.Dispose();
        }
    }

    private void ThrowIfClosed()
    {
        if (_closed) throw RestException.NotFound($"the {_kind} has ended");
    }
}
