using System.Buffers;
using System.Text;
using Tidings.Core;
using Tidings.Core.Sessions;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Sessions;

namespace Tidings.Mqtt.Connection;

/// <summary>CONNECT: login, client id, takeover of an older connection, session resumption, CONNACK.</summary>
internal sealed partial class MqttConnection
{
    /// <summary>The client id (assigned when the client sent none).</summary>
    private string _clientId = "";
    /// <summary>Takeover key: virtual host and client id.</summary>
    private string _registryKey = "";
    /// <summary>The registry this connection is in, after CONNECT.</summary>
    private MqttClientRegistry? _registry;
    /// <summary>Seconds the session outlives the connection (0 = ends with it); 3.1.1 clean session=0 gets the configured maximum.</summary>
    private uint _sessionExpiry;
    /// <summary>Keep alive the client asked for, in seconds (0 = off).</summary>
    private ushort _keepAliveSeconds;

    /// <summary>True when the session is kept after the connection ends.</summary>
    private bool IsPersistent => _sessionExpiry > 0;

    /// <summary>Reads and answers CONNECT; false when the connection must close.</summary>
    private async Task<bool> ReadConnectAsync(CancellationToken cancellation)
    {
        var input = _transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            MqttPacket packet;
            bool complete;
            try
            {
                complete = MqttPacketReader.TryRead(ref buffer, _options.MaxPacketSize, out packet);
            }
            catch (MqttProtocolException e)
            {
                Log.ConnectionError(_logger, RemoteEndPoint, $"before CONNECT: {e.Message}");
                input.AdvanceTo(result.Buffer.End);
                return false;
            }
            if (!complete)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted) return false;
                continue;
            }
            Volatile.Write(ref _lastReadTicks, _heartbeats.Now);
            Task<bool> accepted;
            try
            {
                accepted = packet.Type == MqttPacketType.Connect ? OnConnect(packet) : Task.FromResult(false);
            }
            finally
            {
                // OnConnect copied the password and the will payload before its first await.
                input.AdvanceTo(buffer.Start);
            }
            return await accepted.ConfigureAwait(false);
        }
    }

    /// <summary>Decodes CONNECT, logs in and answers; copies what it keeps of the packet before awaiting.</summary>
    private async Task<bool> OnConnect(MqttPacket packet)
    {
        MqttConnectPacket connect;
        try
        {
            connect = MqttPacketDecoder.DecodeConnect(packet);
        }
        catch (MqttProtocolException e)
        {
            Log.ConnectionError(_logger, RemoteEndPoint, $"CONNECT: {e.Message}");
            var level = PeekProtocolLevel(packet);
            if (e.ReasonCode == MqttReasonCode.UnsupportedProtocolVersion)
            {
                // A level we do not speak: the 3.1.1 answer (return code 1), which a 5.0 client reads too.
                WriteConnAck(level == 5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311, MqttReasonCode.UnsupportedProtocolVersion);
            }
            else if (level == 5)
            {
                WriteConnAck(MqttProtocolVersion.V500, e.ReasonCode);
            }
            return false;
        }
        Version = connect.ProtocolVersion == MqttProtocolVersion.V310 ? MqttProtocolVersion.V311 : connect.ProtocolVersion;
        _decoder = new MqttPacketDecoder(connect.ProtocolVersion);
        if (connect.Properties?.AuthenticationMethod is { } method)
        {
            // No enhanced authentication: a method we do not support is refused and the connection closed [MQTT-4.12.0-1].
            Log.LoginRefused(_logger, RemoteEndPoint, connect.UserName ?? "", $"authentication method '{method}' is not supported");
            WriteConnAck(Version, MqttReasonCode.BadAuthenticationMethod);
            return false;
        }
        string password = connect.HasPassword ? Encoding.UTF8.GetString(connect.Password) : "";
        CaptureWill(connect);

        // ---- client id ----
        string clientId = connect.ClientId;
        bool assigned = false;
        if (clientId.Length == 0)
        {
            if (!IsV5 && !connect.CleanStart)
            {
                WriteConnAck(Version, MqttReasonCode.ClientIdentifierNotValid);
                return false;
            }
            clientId = GeneratedNames.New("tidings-mqtt-");
            assigned = IsV5;
        }
        _clientId = clientId;

        // ---- login ----
        string? userName = connect.UserName;
        if (userName is null)
        {
            if (!_options.AllowAnonymous)
            {
                Log.LoginRefused(_logger, RemoteEndPoint, "", "no user name and anonymous login is off");
                WriteConnAck(Version, MqttReasonCode.BadUserNameOrPassword);
                return false;
            }
            userName = _options.AnonymousUser;
            password = _options.AnonymousPassword;
        }
        string vhostName = _options.DefaultVirtualHost;
        int colon = userName.IndexOf(':');
        if (colon >= 0)
        {
            // RabbitMQ's form "vhost:user" picks the virtual host.
            vhostName = userName[..colon];
            userName = userName[(colon + 1)..];
        }
        var user = _broker.Authenticate(userName, password, RemoteEndPoint, out var failure);
        if (user is null)
        {
            Log.LoginRefused(_logger, RemoteEndPoint, userName, failure.ToString());
            WriteConnAck(Version, failure == AuthenticationFailure.LoopbackOnly ? MqttReasonCode.NotAuthorized : MqttReasonCode.BadUserNameOrPassword);
            return false;
        }
        string protocol = connect.ProtocolVersion switch
        {
            MqttProtocolVersion.V310 => "MQTT 3.1",
            MqttProtocolVersion.V311 => "MQTT 3.1.1",
            _ => "MQTT 5.0",
        };
        try
        {
            _connection = _broker.OpenConnection(user, vhostName, protocol, RemoteEndPoint, new Dictionary<string, object?>
            {
                ["client_id"] = clientId,
                ["connection_name"] = clientId,
                ["product"] = "MQTT client",
            });
        }
        catch (BrokerException e)
        {
            Log.LoginRefused(_logger, RemoteEndPoint, userName, e.Message);
            WriteConnAck(Version, MqttReasonCode.NotAuthorized);
            return false;
        }
        var core = _connection;
        Output.Sent = bytes => core.CountTraffic(0, bytes);
        core.OnCloseRequested(_ =>
        {
            SendDisconnect(MqttReasonCode.AdministrativeAction);
            Stop();
        });
        core.Details.LocalEndPoint = LocalEndPoint;
        core.Details.HeartbeatSeconds = connect.KeepAlive;

        // ---- session settings ----
        var properties = connect.Properties;
        _sessionExpiry = IsV5
            ? Math.Min(properties?.SessionExpiryInterval ?? 0, _options.MaxSessionExpirySeconds)
            : connect.CleanStart ? 0 : _options.MaxSessionExpirySeconds;
        _keepAliveSeconds = connect.KeepAlive;
        ushort clientReceiveMaximum = properties?.ReceiveMaximum ?? ushort.MaxValue;
        _inflightLimit = Math.Max((ushort)1, Math.Min(clientReceiveMaximum, _options.Prefetch));
        _clientMaxPacketSize = properties?.MaximumPacketSize is { } max ? (int)Math.Min(max, int.MaxValue) : int.MaxValue;
        // Aliases belong to the network connection: a resumed session starts without any.
        _inboundAliases = new InboundTopicAliases(_options.TopicAliasMaximum);
        _outboundAliases = new OutboundTopicAliases(Math.Min(properties?.TopicAliasMaximum ?? 0, _options.OutboundTopicAliasMaximum));

        // ---- takeover: the older connection with this client id closes first ----
        _registry = MqttClientRegistry.For(_broker);
        _registryKey = vhostName + "\0" + clientId;
        if (_registry.Register(_registryKey, this) is { } previous)
        {
            Log.TakenOver(_logger, RemoteEndPoint, clientId);
            await previous.TakeOverAsync().ConfigureAwait(false);
        }

        // A delayed will of the session's last connection: a clean start ends that session, which
        // sends it now; a resumed session has its connection back, so it is not sent.
        if (connect.CleanStart) _registry.Wills.SendNow(_registryKey);
        else _registry.Wills.Cancel(_registryKey);

        // ---- the session: resumed, recovered from its durable queue, or new ----
        bool sessionPresent = OpenSession(connect.CleanStart, out var resumed);
        RestoreFlows(resumed: !connect.CleanStart && sessionPresent);

        var ack = IsV5 ? new MqttProperties
        {
            ReceiveMaximum = _options.ReceiveMaximum,
            MaximumPacketSize = (uint)_options.MaxPacketSize,
            TopicAliasMaximum = _options.TopicAliasMaximum,
            RetainAvailable = true,
            WildcardSubscriptionAvailable = true,
            SubscriptionIdentifierAvailable = true,
            SharedSubscriptionAvailable = true,
            AssignedClientIdentifier = assigned ? clientId : null,
            SessionExpiryInterval = properties?.SessionExpiryInterval is { } asked && asked != _sessionExpiry ? _sessionExpiry : null,
        } : null;
        WriteConnAck(Version, MqttReasonCode.Success, sessionPresent, ack);
        _connected = true;
        Log.ConnectionOpened(_logger, RemoteEndPoint, clientId, user.Name, vhostName, protocol);
        _alarmBlocking.Attach();
        StartSession(resumed);
        return true;
    }

    /// <summary>The protocol level byte of a CONNECT that failed to decode (0 when it is not there).</summary>
    private static byte PeekProtocolLevel(in MqttPacket packet)
    {
        var body = packet.Body;
        if (body.Length < 2) return 0;
        Span<byte> head = stackalloc byte[2];
        body.Slice(0, 2).CopyTo(head);
        int nameLength = (head[0] << 8) | head[1];
        if (body.Length < 2 + nameLength + 1) return 0;
        return body.Slice(2 + nameLength, 1).FirstSpan[0];
    }

    private void WriteConnAck(MqttProtocolVersion version, MqttReasonCode reason, bool sessionPresent = false, MqttProperties? properties = null)
    {
        if (version != MqttProtocolVersion.V500 && MqttConnAckCodes.ToV311(reason) is null) return;
        var w = Output.Enter();
        try
        {
            MqttPacketWriter.WriteConnAck(w, version, sessionPresent, reason, properties);
        }
        finally
        {
            Output.Exit();
        }
    }

    /// <summary>
    /// Another connection took this client id: 5.0 is told DISCONNECT 0x8E, the reader stops, and
    /// the caller waits until this connection has detached or closed its session (at most 5 s).
    /// </summary>
    private async Task TakeOverAsync()
    {
        SendDisconnect(MqttReasonCode.SessionTakenOver);
        Stop();
        await Task.WhenAny(Closed, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    /// <summary>
    /// Picks the session: a clean start discards what was kept (detached session and durable
    /// queue); otherwise a detached session is taken back, or — after a broker restart — the
    /// durable subscription queue and the stored session state are found. Returns Session Present.
    /// </summary>
    private bool OpenSession(bool cleanStart, out Session? resumed)
    {
        var vhost = _connection!.VirtualHost;
        resumed = null;
        _queueName = QueueNameFor(_clientId);
        _sessions = MqttSessionStore.For(_broker);
        if (cleanStart)
        {
            vhost.DetachedSessions.Discard(_clientId);
            if (vhost.FindQueue(_queueName) is not null) vhost.DeleteQueue(_queueName, caller: _connection);
            return false;
        }
        resumed = vhost.DetachedSessions.Take(_clientId);
        if (resumed is not null && resumed.IsClosed) resumed = null;
        // A publisher-only session has no queue, but its stored state (open QoS 2 flows) is a session too.
        return resumed is not null || vhost.FindQueue(_queueName) is not null || _sessions!.Find(vhost.Name, _clientId) is not null;
    }

    /// <summary>After CONNACK: attaches or opens the core session and starts the subscription consumer.</summary>
    private void StartSession(Session? resumed)
    {
        var vhost = _connection!.VirtualHost;
        if (vhost.FindQueue(_queueName) is not null) LoadSubscriptions();
        ResendReleases();
        if (resumed is not null)
        {
            // Unacknowledged deliveries go out first, with DUP and their packet ids; then new ones.
            var outstanding = resumed.Outstanding();
            foreach (var delivery in outstanding) Resend(delivery);
            _session = resumed;
            _consuming = resumed.Consumers.Count > 0;
            _connection.Attach(resumed, 1, _ => this);
        }
        else
        {
            _session = _connection.OpenSession(1);
            if (HasOwnSubscriptions()) StartConsuming();
        }
        ConsumeSharedSubscriptions();
        _session.ConfirmSink = this;
    }

    /// <summary>The one subscription queue of a client, as RabbitMQ's MQTT plugin names its QoS 1 queue.</summary>
    internal static string QueueNameFor(string clientId) => $"mqtt-subscription-{clientId}qos1";
}
