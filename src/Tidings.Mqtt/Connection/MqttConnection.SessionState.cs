using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Sessions;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// A persistent session's open QoS 2 flows and expiry in the <see cref="MqttSessionStore"/>, and the
/// gates that hold an acknowledgement until what it promises is durable. Inbound: a QoS 2 PUBLISH's
/// id is saved before PUBREC and its release before PUBCOMP, so a PUBLISH resent after a reconnect
/// or a crash is acknowledged, not routed again. Outbound: a released id (PUBREL sent) is saved
/// before the delivery is settled, and PUBREL is sent again when the session resumes.
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>The broker's session store; set at CONNECT (OpenSession).</summary>
    private MqttSessionStore? _sessions;
    /// <summary>Outbound QoS 2 packet ids released (PUBREL sent), until PUBCOMP. Reader loop only.</summary>
    private HashSet<ushort> _releasedQos2 = [];

    /// <summary>True when this session's QoS 2 state is worth waiting for: it outlives the connection and reaches the disk.</summary>
    private bool SavesDurably => IsPersistent && _sessions!.IsDurable;

    /// <summary>
    /// At CONNECT, after any older connection with this client id has ended: a resumed session
    /// takes back its open QoS 2 flows and counts the inbound ones against the Receive Maximum as
    /// before; a clean start forgets them.
    /// </summary>
    private void RestoreFlows(bool resumed)
    {
        var vhost = _connection!.VirtualHost.Name;
        if (resumed && _sessions!.Find(vhost, _clientId) is { } kept)
        {
            _receivedQos2 = [.. kept.Received];
            _releasedQos2 = [.. kept.Released];
            Interlocked.Add(ref _inboundInFlight, _receivedQos2.Count);
            RestoreSharedMemberships(kept.Shared);
        }
        // In memory the state is taken at the end of the connection; on disk it is kept current.
        if (SavesDurably) _ = SaveSession();
        else if (!IsPersistent) _ = _sessions!.Remove(vhost, _clientId);
    }

    /// <summary>Records this session's state (reader loop, or the end of the connection); completes once durable. Called for every change only when <see cref="SavesDurably"/>.</summary>
    private Task SaveSession(bool detached = false) =>
        _sessions!.Save(new MqttSessionState(_connection!.VirtualHost.Name, _clientId, _sessionExpiry,
            detached ? _broker.Time.GetUtcNow().ToUnixTimeMilliseconds() : 0, [.. _receivedQos2], [.. _releasedQos2], SharedMemberships()));

    private MqttSharedMembership[] SharedMemberships()
    {
        List<MqttSharedMembership>? shared = null;
        foreach (var s in _subscriptions)
        {
            if (s.Shared) (shared ??= []).Add(new MqttSharedMembership(s.Filter, (byte)s.Qos, s.Identifier));
        }
        return shared is null ? [] : [.. shared];
    }

    /// <summary>
    /// A resumed session's group memberships whose group queue still exists come back as
    /// subscriptions; their consumers start with the session (<see cref="ConsumeSharedSubscriptions"/>).
    /// </summary>
    private void RestoreSharedMemberships(MqttSharedMembership[] memberships)
    {
        var vhost = _connection!.VirtualHost;
        foreach (var m in memberships)
        {
            if (!MqttSharedSubscription.TryParse(m.Filter, out string group, out string match)) continue;
            string queue = SharedQueueNameFor(group, match);
            if (vhost.FindQueue(queue) is null || IndexOf(m.Filter) >= 0) continue;
            var entry = new MqttSubscriptionEntry(m.Filter, match, new MqttSubscriptionOptions((MqttQos)m.Qos), m.Identifier,
                MqttAmqpTopicMapping.ToAmqp(match), queue, Shared: true);
            _subscriptions = [.. _subscriptions, entry];
        }
    }

    /// <summary>Starts this member's consumer on each group queue it belongs to (a session just opened or resumed).</summary>
    private void ConsumeSharedSubscriptions()
    {
        foreach (var s in _subscriptions)
        {
            if (s.Shared) ConsumeShared(s.Queue, s.Filter);
        }
    }

    /// <summary>The connection ended: a persistent session's state is kept as detached, any other forgotten.</summary>
    private void EndSessionState()
    {
        if (_sessions is null || _connection is null) return;
        if (IsPersistent) _ = SaveSession(detached: true);
        else _ = _sessions.Remove(_connection.VirtualHost.Name, _clientId);
    }

    /// <summary>A detached session expired: its state goes with its queue.</summary>
    private static void ForgetSession(MqttSessionStore? sessions, string vhost, string clientId) => _ = sessions?.Remove(vhost, clientId);

    /// <summary>A QoS 2 PUBLISH was routed: its id is saved, and the gate's session half completes once that is durable.</summary>
    private void SaveReceived(ulong publishId, AckGate gate) =>
        AfterSave((publishId, gate), static (connection, s) =>
        {
            // A failed write was reported by the store; the publish was routed and is acknowledged all the same.
            if (s.gate.SessionSaved() && connection.TakeGate(s.publishId) is not null)
                connection.Acknowledge(s.publishId, s.gate.Accepted, s.gate.Unroutable, s.gate.Retain);
        });

    /// <summary>PUBREL from the client: the id is released, and PUBCOMP goes once that is durable.</summary>
    private void OnPubRel(ushort id)
    {
        bool known = _receivedQos2.Remove(id);
        if (known) Interlocked.Decrement(ref _inboundInFlight);
        if (!known || !SavesDurably)
        {
            WriteAck(MqttPacketType.PubComp, id, known || !IsV5 ? MqttReasonCode.Success : MqttReasonCode.PacketIdentifierNotFound);
            return;
        }
        AfterSave(id, static (connection, packetId) => connection.WriteAck(MqttPacketType.PubComp, packetId, MqttReasonCode.Success));
    }

    /// <summary>
    /// PUBREC for a QoS 2 delivery (reader loop): the id is released, and once that is durable the
    /// delivery is settled and PUBREL sent, so after a crash the broker resends PUBREL, not the PUBLISH.
    /// A persistent session kept in memory carries its released ids to its next connection.
    /// </summary>
    private void Release(ulong tag, ushort id, bool known)
    {
        var reason = known || !IsV5 ? MqttReasonCode.Success : MqttReasonCode.PacketIdentifierNotFound;
        if (IsPersistent) _releasedQos2.Add(id);
        if (!SavesDurably)
        {
            if (tag != 0) AckNow(tag);
            WriteAck(MqttPacketType.PubRel, id, reason);
            return;
        }
        AfterSave((tag, id, reason), static (connection, s) =>
        {
            // The store's thread: the reader settles the delivery.
            if (s.tag != 0) connection.AckLater(s.tag);
            connection.WriteAck(MqttPacketType.PubRel, s.id, s.reason);
        });
    }

    /// <summary>PUBCOMP for a released id: it is forgotten (on disk lazily: a PUBREL resent for it after a crash gets PUBCOMP again).</summary>
    private void Completed(ushort id)
    {
        if (_releasedQos2.Remove(id) && SavesDurably) _ = SaveSession();
    }

    /// <summary>Saves the session (reader loop), then runs <paramref name="then"/>: at once when the save is, else on the store's thread.</summary>
    private void AfterSave<TState>(TState state, Action<MqttConnection, TState> then)
    {
        var saved = SaveSession();
        if (saved.IsCompleted)
        {
            then(this, state);
            return;
        }
        saved.ContinueWith(static (_, s) =>
        {
            var (connection, state, then) = ((MqttConnection, TState, Action<MqttConnection, TState>))s!;
            connection._broker.Faults.Guard("MQTT acknowledgement after a session save", (connection, state, then), static t => t.then(t.connection, t.state));
        }, (this, state, then), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>A resumed session's released ids get their PUBREL again, before anything else is sent [MQTT-4.4.0-1].</summary>
    private void ResendReleases()
    {
        foreach (ushort id in _releasedQos2) WriteAck(MqttPacketType.PubRel, id, MqttReasonCode.Success);
    }

    private AckGate AddGate(ulong publishId, bool retain, bool session)
    {
        var gates = Volatile.Read(ref _ackGates) ?? Interlocked.CompareExchange(ref _ackGates, [], null) ?? _ackGates!;
        var gate = new AckGate(retain, session);
        lock (gates) gates[publishId] = gate;
        return gate;
    }

    private AckGate? FindGate(ulong publishId)
    {
        var gates = _ackGates!;
        lock (gates) return gates.GetValueOrDefault(publishId);
    }

    /// <summary>Removes and returns the gate of <paramref name="publishId"/>; null when it is gone already.</summary>
    private AckGate? TakeGate(ulong publishId)
    {
        var gates = Volatile.Read(ref _ackGates);
        if (gates is null) return null;
        lock (gates) return gates.Remove(publishId, out var gate) ? gate : null;
    }
}
