using System.Buffers;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Retained;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// PUBLISH from the client into the exchange: QoS 1 is acknowledged with PUBACK and QoS 2 with
/// PUBREC once the message is safe (after fsync when it reached a durable queue, through the
/// session's confirm sink), a resent QoS 2 PUBLISH is not routed twice, PUBREL gets PUBCOMP.
/// </summary>
internal sealed partial class MqttConnection : IPublishConfirmSink
{
    /// <summary>The core session (number 1): publishes, the subscription consumer, acks. Reader loop only.</summary>
    private Session _session = null!;
    /// <summary>QoS 2 packet ids received and routed, until PUBREL; carried over to a resumed persistent session. Reader loop only.</summary>
    private HashSet<ushort> _receivedQos2 = [];
    /// <summary>QoS 1 and 2 publishes not yet acknowledged or released, against the server's Receive Maximum (interlocked).</summary>
    private int _inboundInFlight;
    /// <summary>Publish id of the publish the reader is inside of (0 = none): a settlement for it is answered after Publish returns.</summary>
    private ulong _publishingId;
    /// <summary>The settlement seen for <see cref="_publishingId"/> during Publish: 0 none, 1 accepted, 2 refused.</summary>
    private int _settledInline;
    /// <summary>Retained QoS 1/2 publishes whose acknowledgement waits for the store too, by publish id; guarded by itself, made on first use.</summary>
    private Dictionary<ulong, AckGate>? _ackGates;

    /// <summary>The client id in UTF-8, marking this client's publishes for No Local; made on first use (a race makes equal copies).</summary>
    private byte[]? _publisherId;
    /// <summary>Shared properties of this client's publishes without 5.0 properties (<see cref="MqttMessageConverter.PlainFor"/>).</summary>
    private MessageProperties[]? _plain;

    private byte[] PublisherId => _publisherId ??= System.Text.Encoding.UTF8.GetBytes(_clientId);

    private MessageProperties[] Plain => _plain ??= MqttMessageConverter.PlainFor(PublisherId);

    /// <summary>Topic Aliases the client set on this connection (5.0).</summary>
    private InboundTopicAliases _inboundAliases = new(0);

    private void OnPublish(in MqttPublishPacket received)
    {
        var publish = received;
        if (received.Properties?.TopicAlias is { } alias)
        {
            string topic = _inboundAliases.Resolve(received.Topic, alias);
            publish = new MqttPublishPacket(topic, received.Qos, received.PacketId, received.Payload, received.Retain, received.Dup, received.Properties);
        }
        _alarmBlocking.HasPublished = true;
        ushort id = publish.PacketId;
        if (publish.Qos == MqttQos.ExactlyOnce && _receivedQos2.Contains(id))
        {
            // A resent QoS 2 PUBLISH before PUBREL: routed once already, only acknowledged again.
            WriteAck(MqttPacketType.PubRec, id);
            return;
        }
        if (publish.Qos != MqttQos.AtMostOnce && Interlocked.Increment(ref _inboundInFlight) > _options.ReceiveMaximum)
            throw new MqttProtocolException(MqttReasonCode.ReceiveMaximumExceeded, $"more than {_options.ReceiveMaximum} unacknowledged QoS 1/2 publishes");

        ulong publishId = publish.Qos == MqttQos.AtMostOnce ? 0 : ((ulong)publish.Qos << 16) | id;
        // Registered before routing: the confirm may come from the commit loop as soon as Publish returns.
        bool saveReceived = publish.Qos == MqttQos.ExactlyOnce && SavesDurably;
        AckGate? gate = (publish.Retain || saveReceived) && publishId != 0 ? AddGate(publishId, publish.Retain, saveReceived) : null;
        var properties = MqttMessageConverter.ToNeutral(publish, Plain);
        string routingKey = MqttAmqpTopicMapping.ToAmqp(publish.Topic);
        int size = (int)publish.Payload.Length;
        var message = _broker.Messages.Rent(_options.Exchange, routingKey, properties, size);
        publish.Payload.CopyTo(MessagePool.BodyBuffer(message).Span);
        _publishingId = publishId;
        _settledInline = 0;
        PublishResult result;
        try
        {
            result = _session.Publish(message, publishId);
        }
        catch (BrokerException e) when (IsV5 && publish.Qos != MqttQos.AtMostOnce)
        {
            // 5.0 can refuse one message and keep the connection.
            Log.ConnectionError(_logger, RemoteEndPoint, $"PUBLISH to '{publish.Topic}' refused: {e.Message}");
            if (gate is not null) TakeGate(publishId);
            Interlocked.Decrement(ref _inboundInFlight);
            WriteAck(publish.Qos == MqttQos.AtLeastOnce ? MqttPacketType.PubAck : MqttPacketType.PubRec, id,
                e.Error == BrokerError.AccessRefused ? MqttReasonCode.NotAuthorized : MqttReasonCode.UnspecifiedError);
            return;
        }
        finally
        {
            _publishingId = 0;
            MessagePool.ReleasePublisherReference(message);
        }
        if (publish.Qos == MqttQos.ExactlyOnce)
        {
            _receivedQos2.Add(id);
            if (saveReceived) SaveReceived(publishId, gate!);
        }
        // Retained only once the publish was allowed (write permission, limits) and routed.
        if (publish.Retain) Retain(publish, publishId, gate);
        if (_settledInline != 0)
            Acknowledge(publishId, _settledInline == 1, result.Unroutable);
    }

    /// <summary>
    /// The core's confirm hook: inside the reader's own Publish the answer waits until Publish
    /// returns (it then knows whether the message was unroutable); from the store's commit loop it
    /// is sent at once.
    /// </summary>
    void IPublishConfirmSink.Settled(ulong publishId, bool accepted)
    {
        if (publishId == _publishingId)
        {
            _settledInline = accepted ? 1 : 2;
            return;
        }
        Acknowledge(publishId, accepted, unroutable: false);
    }

    /// <summary>PUBACK (QoS 1) or PUBREC (QoS 2) for a settled publish, once its retain (if any) is durable too; any thread.</summary>
    private void Acknowledge(ulong publishId, bool accepted, bool unroutable)
    {
        if (Volatile.Read(ref _ackGates) is not null && FindGate(publishId) is { } gate)
        {
            if (!gate.Settled(accepted, unroutable)) return;
            TakeGate(publishId);
            Acknowledge(publishId, accepted, unroutable, gate.Retain);
            return;
        }
        Acknowledge(publishId, accepted, unroutable, RetainResult.Stored);
    }

    private void Acknowledge(ulong publishId, bool accepted, bool unroutable, RetainResult retain)
    {
        var qos = (MqttQos)(publishId >> 16);
        ushort id = (ushort)publishId;
        if (!accepted && !IsV5)
        {
            // 3.1.1 has no negative acknowledgement: no PUBACK, so the client sends it again on reconnect.
            Interlocked.Decrement(ref _inboundInFlight);
            return;
        }
        var reason = !accepted ? MqttReasonCode.QuotaExceeded
            // Routed, but not retained: a 5.0 PUBACK can say so. (Not a PUBREC: a failure there
            // would end the QoS 2 flow for a message that was delivered.)
            : retain.IsRefused() && qos == MqttQos.AtLeastOnce ? MqttReasonCode.QuotaExceeded
            : !retain.IsSuccess() && qos == MqttQos.AtLeastOnce ? MqttReasonCode.UnspecifiedError
            : unroutable && IsV5 ? MqttReasonCode.NoMatchingSubscribers
            : MqttReasonCode.Success;
        if (qos == MqttQos.AtLeastOnce || !accepted) Interlocked.Decrement(ref _inboundInFlight);
        WriteAck(qos == MqttQos.AtLeastOnce ? MqttPacketType.PubAck : MqttPacketType.PubRec, id, reason);
    }
}
