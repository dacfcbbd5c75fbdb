using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Tidings.Amqp.Protocol;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Security;

namespace Tidings.Amqp.Connection;

internal sealed partial class AmqpConnection
{
    /// <summary>The lowest frame-max accepted in tune-ok (the 0-9-1 minimum; RabbitMQ 4.1 asks 8192).</summary>
    private const uint MinFrameMax = 4096;

    /// <summary>channel_max agreed in tune-ok.</summary>
    private ushort _negotiatedChannelMax;

    private void SendConnectionStart()
    {
        Send(0, new ConnectionStart
        {
            VersionMajor = 0,
            VersionMinor = 9,
            ServerProperties = ServerProperties.Build(_broker),
            Mechanisms = "PLAIN AMQPLAIN"u8.ToArray(),
            Locales = "en_US"u8.ToArray(),
        });
    }

    private void HandleConnectionMethod(AmqpFrame frame)
    {
        var id = frame.MethodId;
        var args = frame.MethodArguments;
        switch (_state, id)
        {
            case (State.AwaitingStartOk, AmqpMethodId.ConnectionStartOk):
                OnStartOk(ConnectionStartOk.Read(args), args);
                return;
            case (State.AwaitingTuneOk, AmqpMethodId.ConnectionTuneOk):
                OnTuneOk(ConnectionTuneOk.Read(args));
                return;
            case (State.AwaitingOpen, AmqpMethodId.ConnectionOpen):
                OnOpen(ConnectionOpen.Read(args));
                return;
            case (_, AmqpMethodId.ConnectionClose):
                ConnectionClose.Read(args);
                // As RabbitMQ: channels end (unacked messages requeued) before close-ok goes out.
                CloseChannels();
                Send(0, new ConnectionCloseOk());
                _state = State.Closed;
                return;
            case (State.Open, AmqpMethodId.ConnectionCloseOk):
                _state = State.Closed;
                return;
            case (State.Open, AmqpMethodId.ConnectionUpdateSecret):
                OnUpdateSecret(ConnectionUpdateSecret.Read(args));
                return;
            default:
                throw AmqpException.Connection(AmqpReplyCodes.CommandInvalid,
                    $"unexpected method {AmqpMethods.Describe(id)} on channel 0 in state {_state}",
                    AmqpMethods.GetClassId(id), AmqpMethods.GetMethodId(id));
        }
    }

    private void OnStartOk(ConnectionStartOk startOk, ReadOnlySequence<byte> arguments)
    {
        _clientCapabilities = ClientCapabilitiesTable.Parse(startOk.ClientProperties);
        // Kept encoded (the table comes first in the arguments): it lives as long as the
        // connection and is read only by the management API.
        _clientProperties = startOk.ClientProperties is null ? null : EncodedFieldTable.CopyFrom(arguments);
        _mechanism = startOk.Mechanism;
        (string? user, string? password) = startOk.Mechanism switch
        {
            "PLAIN" => ParsePlain(startOk.Response.Span),
            "AMQPLAIN" => ParseAmqplain(startOk.Response),
            _ => throw AmqpException.Connection(AmqpReplyCodes.CommandInvalid,
                $"unknown authentication mechanism '{startOk.Mechanism}'", ConnectionStartOk.ClassId, ConnectionStartOk.MethodId),
        };
        var failure = AuthenticationFailure.BadCredentials;
        _user = user is null || password is null ? null : _broker.Authenticate(user, password, RemoteEndPoint, out failure);
        if (_user is null)
        {
            string text = failure == AuthenticationFailure.Throttled
                ? $"Login was refused using authentication mechanism {startOk.Mechanism}: too many failed login attempts " +
                  "from this address or for this user; try again later"
                : $"Login was refused using authentication mechanism {startOk.Mechanism}. For details see the broker logfile.";
            Log.LoginRefused(_logger, RemoteEndPoint, user ?? "", startOk.Mechanism);
            // Answered by the frame loop after the refusal delay (RefuseLoginAsync), so a client
            // retrying in a tight loop waits for each answer.
            _loginRefusal = AmqpException.Connection(AmqpReplyCodes.AccessRefused, text,
                ConnectionStartOk.ClassId, ConnectionStartOk.MethodId);
            return;
        }
        _state = State.AwaitingTuneOk;
        Send(0, new ConnectionTune
        {
            ChannelMax = _options.ChannelMax,
            FrameMax = _options.FrameMax,
            Heartbeat = _options.HeartbeatSeconds,
        });
    }

    /// <summary>A refused login not answered yet; set by OnStartOk, answered by <see cref="RefuseLoginAsync"/>. Reader loop only.</summary>
    private AmqpException? _loginRefusal;

    /// <summary>
    /// Waits <see cref="LoginThrottleOptions.RefusalDelayMilliseconds"/>, then answers the refused
    /// login as RabbitMQ does: connection.close 403 to clients with authentication_failure_close,
    /// a closed socket to the others.
    /// </summary>
    private async Task RefuseLoginAsync(CancellationToken cancellation)
    {
        var refusal = _loginRefusal!;
        _loginRefusal = null;
        int delay = _broker.Options.LoginThrottling.RefusalDelayMilliseconds;
        if (delay > 0) await Task.Delay(TimeSpan.FromMilliseconds(delay), _broker.Time, cancellation).ConfigureAwait(false);
        if (ClientHas(ClientCapabilities.AuthenticationFailureClose))
        {
            // Sent even though tuning has not happened: the capability asks for exactly this.
            _state = State.AwaitingOpen;
            SendConnectionClose(refusal);
        }
        else
        {
            _state = State.Closed;
        }
    }

    private EncodedFieldTable? _clientProperties;
    private string? _mechanism;

    private void OnTuneOk(ConnectionTuneOk tuneOk)
    {
        uint frameMax = tuneOk.FrameMax == 0 ? _options.FrameMax : tuneOk.FrameMax;
        if (frameMax < MinFrameMax)
            throw AmqpException.Connection(AmqpReplyCodes.NotAllowed,
                $"negotiated frame_max = {frameMax} is lower than the minimum allowed value ({MinFrameMax})",
                ConnectionTuneOk.ClassId, ConnectionTuneOk.MethodId);
        if (frameMax > _options.FrameMax)
            throw AmqpException.Connection(AmqpReplyCodes.NotAllowed,
                $"negotiated frame_max = {frameMax} is higher than the maximum allowed value ({_options.FrameMax})",
                ConnectionTuneOk.ClassId, ConnectionTuneOk.MethodId);
        if (tuneOk.ChannelMax > _options.ChannelMax)
            throw AmqpException.Connection(AmqpReplyCodes.NotAllowed,
                $"negotiated channel_max = {tuneOk.ChannelMax} is higher than the maximum allowed value ({_options.ChannelMax})",
                ConnectionTuneOk.ClassId, ConnectionTuneOk.MethodId);
        FrameMax = frameMax;
        _negotiatedChannelMax = tuneOk.ChannelMax == 0 ? _options.ChannelMax : tuneOk.ChannelMax;
        Heartbeat = tuneOk.Heartbeat;
        _state = State.AwaitingOpen;
    }

    private void OnOpen(ConnectionOpen open)
    {
        try
        {
            _connection = _broker.OpenConnection(_user!, open.VirtualHost, "AMQP 0-9-1", RemoteEndPoint, _clientProperties);
        }
        catch (BrokerException e)
        {
            throw AmqpException.Connection(AmqpReplyCodes.NotAllowed, e.Message, ConnectionOpen.ClassId, ConnectionOpen.MethodId);
        }
        _state = State.Open;
        var details = _connection.Details;
        details.AuthMechanism = _mechanism;
        details.FrameMax = FrameMax;
        details.ChannelMax = _negotiatedChannelMax;
        details.HeartbeatSeconds = Heartbeat;
        details.LocalEndPoint = LocalEndPoint;
        var core = _connection;
        Output.Sent = bytes => core.CountTraffic(0, bytes);
        core.OnCloseRequested(RequestForcedClose);
        Send(0, new ConnectionOpenOk());
        Log.ConnectionOpened(_logger, RemoteEndPoint, _user!.Name, open.VirtualHost);
        _alarmBlocking.Attach();
    }

    /// <remarks>
    /// RabbitMQ's internal user backend accepts whatever secret comes (it authenticates only at
    /// connection.open; the secret matters to token backends such as OAuth 2), and the client
    /// libraries' own suites expect update-secret-ok. Tidings has only the internal backend.
    /// </remarks>
    private void OnUpdateSecret(ConnectionUpdateSecret update)
    {
        Log.SecretUpdated(_logger, RemoteEndPoint, _user!.Name, update.Reason);
        Send(0, new ConnectionUpdateSecretOk());
    }

    /// <summary>PLAIN: "authzid \0 user \0 password" (RFC 4616).</summary>
    private static (string?, string?) ParsePlain(ReadOnlySpan<byte> response)
    {
        int first = response.IndexOf((byte)0);
        if (first < 0) return (null, null);
        var rest = response[(first + 1)..];
        int second = rest.IndexOf((byte)0);
        if (second < 0) return (null, null);
        return (Encoding.UTF8.GetString(rest[..second]), Encoding.UTF8.GetString(rest[(second + 1)..]));
    }

    /// <summary>AMQPLAIN: a field table without its length prefix holding LOGIN and PASSWORD.</summary>
    private static (string?, string?) ParseAmqplain(ReadOnlyMemory<byte> response)
    {
        var prefixed = new byte[response.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(prefixed, (uint)response.Length);
        response.Span.CopyTo(prefixed.AsSpan(4));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(prefixed));
        var table = FieldTableCodec.ReadTable(ref reader);
        return (FieldValue.AsString(table.GetValueOrDefault("LOGIN")), FieldValue.AsString(table.GetValueOrDefault("PASSWORD")));
    }

    // ---- heartbeats ----

    /// <summary>Ticks after which a connection still in its handshake is dropped (RabbitMQ's handshake_timeout).</summary>
    private long _handshakeDeadline = long.MaxValue;

    /// <summary>Has <see cref="_heartbeats"/> look at this connection until <see cref="RunAsync"/> ends.</summary>
    private void StartHeartbeatChecks()
    {
        if (_options.HandshakeTimeout != Timeout.InfiniteTimeSpan)
            _handshakeDeadline = _heartbeats.Now + (long)_options.HandshakeTimeout.TotalMilliseconds;
        _heartbeats.Add(this);
    }

    /// <summary>The heartbeat check of this connection threw (the heartbeat reported it): the connection is dropped.</summary>
    public void HeartbeatFailed(Exception error)
    {
        try
        {
            Abort();
        }
        catch (Exception)
        {
            // Already going away.
        }
    }

    /// <summary>
    /// Called by the shared heartbeat every tick: sends a heartbeat when nothing else was written
    /// for half the interval, and drops the connection when nothing was received for two
    /// intervals (RabbitMQ's rule) or its handshake took too long.
    /// </summary>
    public void CheckHeartbeat(long now)
    {
        var state = _state;
        if (state is State.Closed) return;
        if ((state is State.AwaitingStartOk or State.AwaitingTuneOk or State.AwaitingOpen) && now > _handshakeDeadline)
        {
            Log.HandshakeFailed(_logger, RemoteEndPoint, "handshake timeout");
            Abort();
            return;
        }
        if (state != State.Open) return;
        Output.TrimIfIdle(now);
        if (Heartbeat == 0) return;
        long intervalMs = Heartbeat * 1000L;
        if (now - Output.LastWriteTicks >= intervalMs / 2)
        {
            var w = Output.Enter();
            FrameWriter.WriteHeartbeat(w);
            Output.Exit();
        }
        if (!_alarmBlocking.HoldsSilence(ref _lastReadTicks, now) && now - Volatile.Read(ref _lastReadTicks) > 2 * intervalMs)
        {
            Log.MissedHeartbeats(_logger, RemoteEndPoint, Heartbeat * 2);
            Abort();
        }
    }
}
