using System.Buffers;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// Keep-alive (closed after 1.5 × the client's keep alive without a packet), the CONNECT deadline,
/// DISCONNECT, the will, and what happens to the session when the connection ends.
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>The will from CONNECT, its payload copied; null when none.</summary>
    private MqttWill? _will;
    /// <summary>True until a DISCONNECT other than 0x04 "with will": the will is published when the connection ends.</summary>
    private bool _willDue;
    /// <summary>1 once the keep-alive timeout fired (interlocked).</summary>
    private int _timedOut;

    /// <summary>Keeps the will with its payload copied out of the receive buffer.</summary>
    private void CaptureWill(MqttConnectPacket connect)
    {
        if (connect.Will is not { } will) return;
        _will = new MqttWill
        {
            Topic = will.Topic,
            Payload = new ReadOnlySequence<byte>(will.Payload.ToArray()),
            Qos = will.Qos,
            Retain = will.Retain,
            Properties = will.Properties,
        };
        _willDue = true;
    }

    private void OnDisconnect(MqttDisconnectPacket disconnect)
    {
        if (disconnect.Properties?.SessionExpiryInterval is { } expiry)
        {
            if (_sessionExpiry == 0 && expiry != 0)
            {
                // Changing it from 0 is a protocol error [MQTT-3.14.2-2], and not a normal DISCONNECT: the will stays due.
                Fail(MqttReasonCode.ProtocolError, "DISCONNECT sets a session expiry the CONNECT had as 0");
                return;
            }
            _sessionExpiry = Math.Min(expiry, _options.MaxSessionExpirySeconds);
        }
        _willDue = disconnect.ReasonCode == MqttReasonCode.DisconnectWithWillMessage;
        _closing = true;
    }

    /// <inheritdoc />
    public void CheckHeartbeat(long now)
    {
        if (!_connected)
        {
            if (now > _connectDeadline) Stop();
            return;
        }
        Output.TrimIfIdle(now);
        if (_keepAliveSeconds == 0) return;
        // Held by a resource alarm, the client is not read: its silence is ours.
        if (_alarmBlocking.HoldsSilence(ref _lastReadTicks, now)) return;
        if (now - Volatile.Read(ref _lastReadTicks) > _keepAliveSeconds * 1500L && Interlocked.Exchange(ref _timedOut, 1) == 0)
        {
            Log.KeepAliveTimeout(_logger, RemoteEndPoint, _keepAliveSeconds * 1.5);
            SendDisconnect(MqttReasonCode.KeepAliveTimeout);
            Stop();
        }
    }

    /// <inheritdoc />
    public void HeartbeatFailed(Exception error) => Stop();

    /// <summary>
    /// The connection ended: the will is published unless a normal DISCONNECT came, a persistent
    /// session is detached and kept for its expiry (its queue deleted when that passes), and a
    /// non-persistent one is closed with its queue.
    /// </summary>
    private void EndConnection()
    {
        var connection = _connection;
        if (connection is null) return;
        var vhost = connection.VirtualHost;
        if (_session is not null && !_session.IsClosed)
        {
            RunDeferredWork();
            if (_willDue && _will is not null) SendOrDelayWill(_will);
            if (IsPersistent)
            {
                LeaveSharedGroups();
                connection.Detach(_session);
                var expiry = _sessionExpiry == uint.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(_sessionExpiry);
                string queue = _queueName, clientId = _clientId;
                var sessions = _sessions;
                vhost.DetachedSessions.Keep(_clientId, _session, expiry, _ =>
                {
                    if (vhost.FindQueue(queue) is not null) vhost.DeleteQueue(queue);
                    ForgetSession(sessions, vhost.Name, clientId);
                });
            }
        }
        EndSessionState();
        connection.Dispose();
        // An exclusive queue went with the connection; a durable one of an earlier persistent session goes now.
        if (!IsPersistent && _queueName.Length > 0 && vhost.FindQueue(_queueName) is not null)
        {
            try
            {
                vhost.DeleteQueue(_queueName);
            }
            catch (BrokerException)
            {
                // A newer connection with this client id holds it (exclusive); it is that one's now.
            }
        }
        _registry?.Remove(_registryKey, this);
    }

    /// <summary>
    /// The will goes out now, or (5.0) after its Will Delay Interval, or when the session ends if
    /// that comes first [MQTT-3.1.3-9]: a session that ends with the connection sends it now.
    /// </summary>
    private void SendOrDelayWill(MqttWill will)
    {
        uint delay = IsV5 ? Math.Min(will.Properties?.WillDelayInterval ?? 0, _sessionExpiry) : 0;
        if (delay == 0 || _registry is null)
        {
            PublishWill(will, detached: false);
            return;
        }
        _registry.Wills.Schedule(_registryKey, TimeSpan.FromSeconds(delay), () => PublishWill(will, detached: true));
    }

    /// <summary>
    /// Publishes the will as the client would have; failures are logged, not thrown. A delayed
    /// will is published by the vhost for the client's user, its session being detached or gone.
    /// </summary>
    private void PublishWill(MqttWill will, bool detached)
    {
        var publish = new MqttPublishPacket(will.Topic, will.Qos, 0, will.Payload, will.Retain, properties: will.Properties);
        var properties = MqttMessageConverter.ToNeutral(publish, Plain);
        var message = _broker.Messages.Rent(_options.Exchange, MqttAmqpTopicMapping.ToAmqp(will.Topic), properties, (int)will.Payload.Length);
        will.Payload.CopyTo(MessagePool.BodyBuffer(message).Span);
        try
        {
            if (detached) _connection!.VirtualHost.Publish(message, _connection.User);
            else _session.Publish(message);
            if (will.Retain) Retain(publish, publishId: 0, gate: null);
        }
        catch (BrokerException e)
        {
            Log.ConnectionError(_logger, RemoteEndPoint, $"will to '{will.Topic}' refused: {e.Message}");
        }
        finally
        {
            MessagePool.ReleasePublisherReference(message);
        }
    }
}
