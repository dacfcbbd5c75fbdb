using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// SUBSCRIBE and UNSUBSCRIBE. Every client has one queue (<see cref="QueueNameFor"/>) bound to
/// the exchange once per filter, with the filter mapped to a topic pattern (<c>/</c>→<c>.</c>,
/// <c>+</c>→<c>*</c>) and the granted QoS, options and Subscription Identifier in the binding's
/// arguments (<see cref="MqttSubscriptionEntry.Arguments"/>), so a durable queue's bindings alone
/// give back the subscriptions after a broker restart. A <c>$share/{group}/{filter}</c>
/// subscription consumes the group's queue instead (<see cref="SharedQueueNameFor"/>), competing
/// with the other members.
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>The subscriptions; replaced (copy-on-write) by the reader, read by queue threads in Deliver.</summary>
    private volatile MqttSubscriptionEntry[] _subscriptions = [];
    /// <summary>The client's subscription queue name, set at CONNECT.</summary>
    private string _queueName = "";
    /// <summary>True once the session consumes the subscription queue. Reader loop only.</summary>
    private bool _consuming;

    private void OnSubscribe(MqttSubscribePacket subscribe)
    {
        var reasons = new MqttReasonCode[subscribe.Subscriptions.Count];
        int identifier = subscribe.Properties?.SubscriptionIdentifiers is [var id, ..] ? id : 0;
        // Retained messages go out after SUBACK is queued, so the client sees SUBACK first.
        List<MqttSubscriptionEntry>? sendRetained = null;
        for (int i = 0; i < reasons.Length; i++)
        {
            var (filter, options) = subscribe.Subscriptions[i];
            bool shared = MqttSharedSubscription.IsShared(filter);
            string match = filter, group = "";
            if (shared ? !MqttSharedSubscription.TryParse(filter, out group, out match) : !MqttTopicFilter.IsValid(filter))
            {
                reasons[i] = MqttReasonCode.TopicFilterInvalid;
                continue;
            }
            try
            {
                reasons[i] = Subscribe(filter, match, group, shared, options, identifier, ref sendRetained);
            }
            catch (Tidings.Core.BrokerException e) when (e.Error != Tidings.Core.BrokerError.AccessRefused)
            {
                // This filter only (a name or key too long for the core, say); the others stand.
                Log.ConnectionError(_logger, RemoteEndPoint, $"SUBSCRIBE to '{filter}' refused: {e.Message}");
                reasons[i] = MqttReasonCode.UnspecifiedError;
            }
        }
        if (!_consuming && HasOwnSubscriptions()) StartConsuming();
        var w = Output.Enter();
        try
        {
            MqttPacketWriter.WriteSubAck(w, Version, subscribe.PacketId, reasons);
        }
        finally
        {
            Output.Exit();
        }
        if (sendRetained is not null)
        {
            foreach (var entry in sendRetained) SendRetained(entry);
        }
    }

    /// <summary>One valid filter of a SUBSCRIBE: bound (and for a group, consumed); returns the granted QoS.</summary>
    private MqttReasonCode Subscribe(string filter, string match, string group, bool shared, MqttSubscriptionOptions options,
        int identifier, ref List<MqttSubscriptionEntry>? sendRetained)
    {
        var vhost = _connection!.VirtualHost;
        string queue = shared ? SharedQueueNameFor(group, match) : _queueName;
        if (shared) EnsureSharedQueue(queue);
        else EnsureQueue();
        string key = MqttAmqpTopicMapping.ToAmqp(match);
        var entry = new MqttSubscriptionEntry(filter, match, options, identifier, key, queue, shared);
        int existing = IndexOf(filter);
        if (existing >= 0 && !shared)
            vhost.UnbindQueue(queue, _options.Exchange, key, _subscriptions[existing].Arguments(), _connection);
        vhost.BindQueue(queue, _options.Exchange, key, entry.Arguments(), _connection);
        var updated = existing >= 0 ? [.. _subscriptions] : new MqttSubscriptionEntry[_subscriptions.Length + 1];
        if (existing < 0) _subscriptions.CopyTo(updated, 0);
        updated[existing >= 0 ? existing : updated.Length - 1] = entry;
        _subscriptions = updated;
        if (shared && existing < 0)
        {
            ConsumeShared(queue, filter);
            if (SavesDurably) _ = SaveSession();
        }
        // Never to a shared subscription; Retain Handling 1 only for a new one, 2 never.
        if (!shared && (options.RetainHandling == MqttRetainHandling.SendAtSubscribe
                        || options.RetainHandling == MqttRetainHandling.SendIfNewSubscription && existing < 0))
            (sendRetained ??= []).Add(entry);
        return (MqttReasonCode)(byte)options.Qos;
    }

    private void OnUnsubscribe(MqttUnsubscribePacket unsubscribe)
    {
        var reasons = new MqttReasonCode[unsubscribe.Filters.Count];
        for (int i = 0; i < reasons.Length; i++)
        {
            int index = IndexOf(unsubscribe.Filters[i]);
            if (index < 0)
            {
                reasons[i] = MqttReasonCode.NoSubscriptionExisted;
                continue;
            }
            var removed = _subscriptions[index];
            // A member leaving a group stops consuming first (so no new delivery finds the
            // subscription gone and is dropped); the group's binding stays for the others.
            if (removed.Shared) _session.Cancel(removed.Filter);
            else _connection!.VirtualHost.UnbindQueue(_queueName, _options.Exchange, removed.RoutingKey, removed.Arguments(), _connection);
            _subscriptions = [.. _subscriptions[..index], .. _subscriptions[(index + 1)..]];
            if (removed.Shared && SavesDurably) _ = SaveSession();
            reasons[i] = MqttReasonCode.Success;
        }
        var w = Output.Enter();
        try
        {
            MqttPacketWriter.WriteUnsubAck(w, Version, unsubscribe.PacketId, reasons);
        }
        finally
        {
            Output.Exit();
        }
    }

    private int IndexOf(string filter)
    {
        var subscriptions = _subscriptions;
        for (int i = 0; i < subscriptions.Length; i++)
        {
            if (subscriptions[i].Filter == filter) return i;
        }
        return -1;
    }

    private bool HasOwnSubscriptions()
    {
        foreach (var s in _subscriptions)
        {
            if (!s.Shared) return true;
        }
        return false;
    }

    /// <summary>
    /// Declares the subscription queue if it is not there: durable for a persistent session (it
    /// and its bindings survive a restart like any durable queue), else exclusive to this
    /// connection, deleted when it closes.
    /// </summary>
    private void EnsureQueue()
    {
        var vhost = _connection!.VirtualHost;
        if (vhost.FindQueue(_queueName) is not null) return;
        vhost.DeclareQueue(_queueName, durable: IsPersistent, exclusive: !IsPersistent, autoDelete: false, caller: _connection);
    }

    /// <summary>
    /// Declares a group's shared queue if it is not there. The member that creates it decides: a
    /// persistent session makes it durable (it stays when the last member leaves, keeping what
    /// arrives meanwhile), a clean one makes it auto-delete (gone with the last member's consumer).
    /// </summary>
    private void EnsureSharedQueue(string queue)
    {
        var vhost = _connection!.VirtualHost;
        if (vhost.FindQueue(queue) is not null) return;
        vhost.DeclareQueue(queue, durable: IsPersistent, exclusive: false, autoDelete: !IsPersistent, caller: _connection);
    }

    /// <summary>Starts the one consumer on the subscription queue; in-flight QoS 1/2 deliveries are capped by prefetch.</summary>
    private void StartConsuming()
    {
        _consuming = true;
        _session.SetPrefetch(_inflightLimit, global: false);
        _session.Consume(_queueName, "mqtt-" + _clientId, noAck: false, exclusive: false, arguments: null, this);
    }

    /// <summary>
    /// This member's consumer on a shared queue: the queue hands each message to one of its
    /// consumers. The session-wide prefetch keeps the client's own and its shared consumers
    /// together within one Receive Maximum. The consumer tag is the <c>$share/…</c> filter: unique
    /// in the session, never the own consumer's (<c>mqtt-…</c>), and shorter than the queue name.
    /// </summary>
    private void ConsumeShared(string queue, string filter)
    {
        _session.SetPrefetch(_inflightLimit, global: false);
        _session.SetPrefetch(_inflightLimit, global: true);
        _session.Consume(queue, filter, noAck: false, exclusive: false, arguments: null, this);
    }

    /// <summary>
    /// A persistent session leaving: its shared consumers are cancelled, so the group's messages go
    /// to the members still connected instead of waiting for this one; its membership is kept in
    /// the session store and taken up again when it resumes.
    /// </summary>
    private void LeaveSharedGroups()
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Shared) _session.Cancel(subscription.Filter);
        }
    }

    /// <summary>The subscriptions of an existing queue, from its bindings (a resumed or recovered session).</summary>
    private void LoadSubscriptions()
    {
        var vhost = _connection!.VirtualHost;
        var queue = vhost.FindQueue(_queueName);
        if (queue is null || vhost.FindExchange(_options.Exchange) is not { } exchange) return;
        var loaded = new List<MqttSubscriptionEntry>();
        foreach (var binding in exchange.Bindings)
        {
            if (!ReferenceEquals(binding.Destination, queue)) continue;
            loaded.Add(MqttSubscriptionEntry.FromBinding(MqttAmqpTopicMapping.ToMqtt(binding.RoutingKey), binding.RoutingKey, _queueName, binding.Arguments));
        }
        // Group memberships restored from the session store are not bindings of this queue: they stay.
        foreach (var s in _subscriptions)
        {
            if (s.Shared) loaded.Add(s);
        }
        _subscriptions = [.. loaded];
    }

    /// <summary>The queue of a shared subscription group, one per (vhost, group, filter).</summary>
    internal static string SharedQueueNameFor(string group, string filter) => $"mqtt-shared-{group}-{filter}";
}
