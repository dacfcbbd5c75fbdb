using System.Buffers;
using Tidings.Connections.Flow;
using Tidings.Core;
using Tidings.Core.Sessions;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// Deliveries to the client. Packet ids are the adapter's: a QoS 1/2 delivery's id is derived
/// from its delivery tag (<see cref="PacketIdFor"/>), so a resumed session resends its
/// unacknowledged deliveries under the ids they had, and <see cref="_inflight"/> maps ids back to
/// tags for PUBACK / PUBREC. QoS 0 deliveries (and ones dropped for the client's Maximum Packet
/// Size) are acked by the reader loop right after, woken through the input pipe.
/// </summary>
internal sealed partial class MqttConnection : IConsumerSink, IDeliveryFlow, IBlockedNotice
{
    private enum OutboundState : byte
    {
        /// <summary>QoS 1 sent, waiting for PUBACK.</summary>
        AwaitingAck,
        /// <summary>QoS 2 sent, waiting for PUBREC.</summary>
        AwaitingRec,
        /// <summary>QoS 2 released (PUBREL sent, the core delivery acked), waiting for PUBCOMP.</summary>
        AwaitingComp,
    }

    /// <summary>An unacknowledged QoS 1/2 delivery: its core delivery tag and where its flow is.</summary>
    private readonly record struct InFlight(ulong Tag, OutboundState State);

    /// <summary>Guards <see cref="_inflight"/>: queue threads add, the reader removes.</summary>
    private readonly Lock _inflightLock = new();
    /// <summary>QoS 1/2 deliveries by packet id. Unsized: an idle connection should cost little (it grows to the in-flight limit once and stays).</summary>
    private readonly Dictionary<ushort, InFlight> _inflight = [];
    /// <summary>Most unacknowledged QoS 1/2 deliveries: the options' prefetch or the 5.0 client's smaller Receive Maximum.</summary>
    private ushort _inflightLimit = 10;
    /// <summary>Topic Aliases used towards the client (5.0, within its Topic Alias Maximum); guarded by the output lock.</summary>
    private OutboundTopicAliases _outboundAliases = new(0);
    /// <summary>The 5.0 client's Maximum Packet Size; bigger deliveries are dropped for it (acked, not sent).</summary>
    private int _clientMaxPacketSize = int.MaxValue;
    /// <summary>Counts deliveries dropped for <see cref="_clientMaxPacketSize"/> (the broker's, shared by every connection).</summary>
    private readonly MetricCounter _droppedOversize;

    /// <summary>Guards <see cref="_toAck"/>.</summary>
    private readonly Lock _deferredLock = new();
    /// <summary>Tags for the reader to ack (QoS 0, dropped); swapped with <see cref="_acking"/> so neither list is reallocated.</summary>
    private List<ulong> _toAck = [];
    /// <summary>The list the reader is acking from. Reader loop only.</summary>
    private List<ulong> _acking = [];
    /// <summary>Tags for the reader to requeue (a shared queue's message for a member that left); guarded by <see cref="_deferredLock"/>.</summary>
    private List<ulong> _toRequeue = [];
    /// <summary>The list the reader is requeueing from. Reader loop only.</summary>
    private List<ulong> _requeuing = [];
    /// <summary>1 while a wake-up of the reader is pending (interlocked).</summary>
    private int _wakeRequested;
    /// <summary>A close asked for from a queue thread (consumer cancelled or failed); done by the reader.</summary>
    private volatile string? _deferredClose;

    /// <summary>Packet id of a delivery tag: 1..65535, the same for the same tag after a reconnect.</summary>
    internal static ushort PacketIdFor(ulong tag) => (ushort)((tag - 1) % 65535 + 1);

    void IConsumerSink.Deliver(in Delivery delivery) => Send(delivery, delivery.Redelivered);

    /// <summary>Deliver writes the whole packet into the output buffer before it returns.</summary>
    bool IConsumerSink.CopiesDuringDeliver => true;

    void IConsumerSink.CancelledByBroker(Consumer consumer) => CloseLater($"subscription queue '{consumer.Queue.Name}' was deleted");

    void IConsumerSink.DeliveryFailed(Consumer? consumer, Exception error) => CloseLater($"delivery failed: {error.GetType().Name}");

    /// <summary>An unacknowledged delivery of a resumed session, sent again with DUP before new ones.</summary>
    private void Resend(in Delivery delivery) => Send(delivery, dup: true);

    /// <summary>Encodes one delivery as PUBLISH; runs on queue threads (and once on the reader for resends).</summary>
    private void Send(in Delivery delivery, bool dup)
    {
        var message = delivery.Message;
        string topic = MqttAmqpTopicMapping.ToMqtt(message.RoutingKey);
        // MQTT's own matching decides, so `$` topics never reach leading wildcards and an
        // unsubscribed filter delivers nothing even while its binding is being removed.
        // The matching subscriptions' identifiers, written as extra properties: no list and no
        // properties object per delivery (a client has few subscriptions; many spill to the heap).
        Span<int> identifiers = IsV5 ? _subscriptions.Length <= 32 ? stackalloc int[32] : new int[_subscriptions.Length] : default;
        if (!Match(delivery.QueueName, topic, message.Properties, out var granted, out bool retain, identifiers, out int identifierCount))
        {
            // A group's message for a member that has just left it (or a resumed session's resend
            // after leaving) goes back to the group; anything else that matches nothing is dropped.
            if (delivery.QueueName != _queueName && !SubscribesTo(delivery.QueueName)) RequeueLater(delivery.DeliveryTag);
            else AckLater(delivery.DeliveryTag);
            return;
        }
        var published = MqttMessageConverter.PublishedQos(message.Properties);
        var qos = published < granted ? published : granted;
        ushort packetId = qos == MqttQos.AtMostOnce ? (ushort)0 : PacketIdFor(delivery.DeliveryTag);
        var properties = IsV5 ? MqttMessageConverter.ToMqtt(message, _broker.Time.GetUtcNow().ToUnixTimeMilliseconds()) : null;
        var ids = identifiers[..identifierCount];
        var packet = new MqttPublishPacket(topic, qos, packetId, new ReadOnlySequence<byte>(message.Body),
            retain, dup: dup && qos != MqttQos.AtMostOnce, properties);
        if (_clientMaxPacketSize != int.MaxValue && MqttPacketWriter.GetPublishSize(Version, packet, ids) > _clientMaxPacketSize)
        {
            _droppedOversize.Increment();
            AckLater(delivery.DeliveryTag);
            return;
        }
        if (qos != MqttQos.AtMostOnce)
        {
            lock (_inflightLock)
                _inflight[packetId] = new InFlight(delivery.DeliveryTag, qos == MqttQos.AtLeastOnce ? OutboundState.AwaitingAck : OutboundState.AwaitingRec);
        }
        var w = Output.Enter();
        try
        {
            // After DISCONNECT the buffer drops it: a QoS 1/2 delivery stays unacknowledged (requeued, or resent to a resumed session).
            if (_outboundAliases.Enabled) WriteAliased(w, packet, ids);
            else MqttPacketWriter.WritePublish(w, Version, packet, ids);
        }
        finally
        {
            Output.Exit();
        }
        if (qos == MqttQos.AtMostOnce) AckLater(delivery.DeliveryTag);
        _pressure.Check();
    }

    /// <summary>
    /// Which subscriptions a delivery from <paramref name="queue"/> is for: the highest granted
    /// QoS, whether RETAIN is set (always for a message from the retained store; for a live one
    /// only when a matching subscription has Retain As Published and it was published retained),
    /// and every matching subscription's identifier (5.0) into <paramref name="identifiers"/>, at
    /// least as long as the subscriptions. No Local skips a subscription for the client's own
    /// publishes. False when none matches.
    /// </summary>
    private bool Match(string queue, string topic, Tidings.Core.Messages.MessageProperties message,
        out MqttQos granted, out bool retain, Span<int> identifiers, out int identifierCount)
    {
        var native = MqttNativeBytes.Of(message);
        var flags = MqttNativeBytes.FlagsOf(native);
        bool fromStore = (flags & MqttNativeBytes.Flags.FromRetainedStore) != 0;
        // Whether the client published it itself: compared only once a No Local subscription asks.
        int own = fromStore ? 0 : -1;
        bool found = false;
        granted = MqttQos.AtMostOnce;
        retain = fromStore;
        identifierCount = 0;
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Queue != queue || !MqttTopicFilter.Matches(subscription.MatchFilter, topic)) continue;
            if (subscription.Options.NoLocal && own != 0)
            {
                if (own < 0) own = MqttNativeBytes.IsFrom(native, PublisherId) ? 1 : 0;
                if (own == 1) continue;
            }
            if (!found || subscription.Qos > granted) granted = subscription.Qos;
            found = true;
            if (subscription.Options.RetainAsPublished && (flags & MqttNativeBytes.Flags.Retain) != 0) retain = true;
            if (subscription.Identifier != 0 && IsV5) identifiers[identifierCount++] = subscription.Identifier;
        }
        return found;
    }

    /// <summary>
    /// Writes a PUBLISH with a Topic Alias, and without its topic name when the client already
    /// knows the alias. Inside the output lock, so aliases are chosen in wire order. The size
    /// check before used the full topic: an aliased packet is never larger.
    /// </summary>
    private void WriteAliased(IBufferWriter<byte> w, in MqttPublishPacket packet, ReadOnlySpan<int> subscriptionIds)
    {
        ushort alias = _outboundAliases.Choose(packet.Topic, out bool known);
        if (!known)
        {
            MqttPacketWriter.WritePublish(w, Version, packet, subscriptionIds, alias);
            return;
        }
        var aliased = new MqttPublishPacket("", packet.Qos, packet.PacketId, packet.Payload, packet.Retain, packet.Dup, packet.Properties);
        MqttPacketWriter.WritePublish(w, Version, aliased, subscriptionIds, alias);
    }

    /// <summary>PUBACK, PUBREC, PUBCOMP for deliveries; PUBREL for the client's QoS 2 publishes.</summary>
    private void OnPublishAck(in MqttPublishAckPacket ack)
    {
        ushort id = ack.PacketId;
        switch (ack.Type)
        {
            case MqttPacketType.PubRel:
                OnPubRel(id);
                return;
            case MqttPacketType.PubAck:
            {
                ulong tag = 0;
                lock (_inflightLock)
                {
                    if (_inflight.TryGetValue(id, out var entry) && entry.State == OutboundState.AwaitingAck)
                    {
                        _inflight.Remove(id);
                        tag = entry.Tag;
                    }
                }
                if (tag != 0) AckNow(tag);
                return;
            }
            case MqttPacketType.PubRec:
            {
                ulong tag = 0;
                bool known = false;
                bool failed = (byte)ack.ReasonCode >= 0x80;
                lock (_inflightLock)
                {
                    if (_inflight.TryGetValue(id, out var entry))
                    {
                        known = true;
                        if (entry.State == OutboundState.AwaitingRec) tag = entry.Tag;
                        if (failed) _inflight.Remove(id);
                        else _inflight[id] = entry with { State = OutboundState.AwaitingComp };
                    }
                }
                // A PUBREC with a failure reason ends the flow: no PUBREL.
                if (failed)
                {
                    if (tag != 0) AckNow(tag);
                }
                else Release(tag, id, known);
                return;
            }
            case MqttPacketType.PubComp:
                lock (_inflightLock)
                {
                    if (_inflight.TryGetValue(id, out var entry) && entry.State == OutboundState.AwaitingComp) _inflight.Remove(id);
                }
                Completed(id);
                return;
        }
    }

    private void AckNow(ulong tag)
    {
        try
        {
            _session.Ack(tag, multiple: false);
        }
        catch (BrokerException)
        {
            // Already settled (its queue went away, or the session was resumed without it).
        }
    }

    /// <summary>Hands the reader the filled list and leaves the empty one to fill; caller holds <see cref="_deferredLock"/>.</summary>
    private static List<ulong> Swap(ref List<ulong> pending, ref List<ulong> working)
    {
        if (pending.Count == 0) return working;
        (pending, working) = (working, pending);
        return working;
    }

    private void RequeueNow(ulong tag)
    {
        try
        {
            _session.Nack(tag, multiple: false, requeue: true);
        }
        catch (BrokerException)
        {
            // Already settled.
        }
    }

    /// <summary>Has the reader ack <paramref name="tag"/>; any thread (the reader is the session's only caller).</summary>
    private void AckLater(ulong tag)
    {
        lock (_deferredLock) _toAck.Add(tag);
        WakeReader();
    }

    /// <summary>Has the reader requeue <paramref name="tag"/>; any thread.</summary>
    private void RequeueLater(ulong tag)
    {
        lock (_deferredLock) _toRequeue.Add(tag);
        WakeReader();
    }

    private bool SubscribesTo(string queue)
    {
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Queue == queue) return true;
        }
        return false;
    }

    private void CloseLater(string reason)
    {
        _deferredClose ??= reason;
        WakeReader();
    }

    private void WakeReader()
    {
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0) _transport.Input.CancelPendingRead();
    }

    /// <summary>What queue threads left for the reader: acks of QoS 0 deliveries, a requested close.</summary>
    private void RunDeferredWork()
    {
        Interlocked.Exchange(ref _wakeRequested, 0);
        List<ulong> batch, requeue;
        lock (_deferredLock)
        {
            batch = Swap(ref _toAck, ref _acking);
            requeue = Swap(ref _toRequeue, ref _requeuing);
        }
        if (_session is not null)
        {
            foreach (ulong tag in batch) AckNow(tag);
            foreach (ulong tag in requeue) RequeueNow(tag);
        }
        batch.Clear();
        requeue.Clear();
        if (_deferredClose is { } reason) Fail(MqttReasonCode.UnspecifiedError, reason);
    }

    // ---- flow control ----

    /// <summary>Only flips the session's flag: this runs under queue and session locks.</summary>
    void IDeliveryFlow.PauseDeliveries() => _session?.SetFlow(false);

    /// <summary>Runs on the writer loop with no broker lock held.</summary>
    void IDeliveryFlow.ResumeDeliveries() => _session?.SetFlow(true);

    /// <summary>MQTT cannot tell a client it is blocked; it is just not read while an alarm is on.</summary>
    bool IBlockedNotice.CanNotify => false;

    void IBlockedNotice.Notify(bool blocked)
    {
    }
}
