using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// SUBSCRIBE and UNSUBSCRIBE. Every client has one queue (<see cref="QueueNameFor"/>) bound to
/// the exchange once per filter, with the filter mapped to a topic pattern (<c>/</c>→<c>.</c>,
/// <c>+</c>→<c>*</c>) and the granted QoS in the binding's argument <see cref="QosArgument"/>, so a
/// durable queue's bindings alone give back the subscriptions after a broker restart.
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>Binding argument holding a subscription's granted QoS.</summary>
    internal const string QosArgument = "x-mqtt-qos";

    /// <summary>One subscription: the MQTT filter, its granted QoS and the binding key it maps to.</summary>
    private readonly record struct Subscription(string Filter, MqttQos Qos, string RoutingKey);

    /// <summary>The subscriptions; replaced (copy-on-write) by the reader, read by queue threads in Deliver.</summary>
    private volatile Subscription[] _subscriptions = [];
    /// <summary>The client's subscription queue name, set at CONNECT.</summary>
    private string _queueName = "";
    /// <summary>True once the session consumes the subscription queue. Reader loop only.</summary>
    private bool _consuming;

    private void OnSubscribe(MqttSubscribePacket subscribe)
    {
        var reasons = new MqttReasonCode[subscribe.Subscriptions.Count];
        for (int i = 0; i < reasons.Length; i++)
        {
            var (filter, options) = subscribe.Subscriptions[i];
            if (MqttSharedSubscription.IsShared(filter))
            {
                reasons[i] = MqttReasonCode.SharedSubscriptionsNotSupported;
                continue;
            }
            if (!MqttTopicFilter.IsValid(filter))
            {
                reasons[i] = MqttReasonCode.TopicFilterInvalid;
                continue;
            }
            var qos = options.Qos;
            EnsureQueue();
            string key = MqttAmqpTopicMapping.ToAmqp(filter);
            var vhost = _connection!.VirtualHost;
            int existing = IndexOf(filter);
            if (existing >= 0 && _subscriptions[existing].Qos != qos)
                vhost.UnbindQueue(_queueName, _options.Exchange, key, QosArguments(_subscriptions[existing].Qos), _connection);
            vhost.BindQueue(_queueName, _options.Exchange, key, QosArguments(qos), _connection);
            var updated = existing >= 0 ? [.. _subscriptions] : new Subscription[_subscriptions.Length + 1];
            if (existing < 0) _subscriptions.CopyTo(updated, 0);
            updated[existing >= 0 ? existing : updated.Length - 1] = new Subscription(filter, qos, key);
            _subscriptions = updated;
            reasons[i] = (MqttReasonCode)(byte)qos;
        }
        if (!_consuming && _subscriptions.Length > 0) StartConsuming();
        // TODO(retained): send the retained messages matching each new filter here (Retain Handling 0/1).
        var w = Output.Enter();
        try
        {
            MqttPacketWriter.WriteSubAck(w, Version, subscribe.PacketId, reasons);
        }
        finally
        {
            Output.Exit();
        }
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
            _connection!.VirtualHost.UnbindQueue(_queueName, _options.Exchange, removed.RoutingKey, QosArguments(removed.Qos), _connection);
            _subscriptions = [.. _subscriptions[..index], .. _subscriptions[(index + 1)..]];
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

    private static Dictionary<string, object?> QosArguments(MqttQos qos) => new() { [QosArgument] = (int)qos };

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

    /// <summary>Starts the one consumer on the subscription queue; in-flight QoS 1/2 deliveries are capped by prefetch.</summary>
    private void StartConsuming()
    {
        _consuming = true;
        _session.SetPrefetch(_inflightLimit, global: false);
        _session.Consume(_queueName, "mqtt-" + _clientId, noAck: false, exclusive: false, arguments: null, this);
    }

    /// <summary>The subscriptions of an existing queue, from its bindings (a resumed or recovered session).</summary>
    private void LoadSubscriptions()
    {
        var vhost = _connection!.VirtualHost;
        var queue = vhost.FindQueue(_queueName);
        if (queue is null || vhost.FindExchange(_options.Exchange) is not { } exchange) return;
        var loaded = new List<Subscription>();
        foreach (var binding in exchange.Bindings)
        {
            if (!ReferenceEquals(binding.Destination, queue)) continue;
            var qos = binding.Arguments.TryGetValue(QosArgument, out var value) && Tidings.Core.Messages.FieldValue.AsLong(value) is long q && q is >= 0 and <= 2
                ? (MqttQos)q
                : MqttQos.AtLeastOnce;
            loaded.Add(new Subscription(MqttAmqpTopicMapping.ToMqtt(binding.RoutingKey), qos, binding.RoutingKey));
        }
        _subscriptions = [.. loaded];
    }

    /// <summary>The highest QoS granted to a subscription matching <paramref name="topic"/>; null when none matches.</summary>
    private MqttQos? GrantedQos(string topic)
    {
        MqttQos? best = null;
        foreach (var subscription in _subscriptions)
        {
            if (MqttTopicFilter.Matches(subscription.Filter, topic) && (best is null || subscription.Qos > best))
                best = subscription.Qos;
        }
        return best;
    }
}
