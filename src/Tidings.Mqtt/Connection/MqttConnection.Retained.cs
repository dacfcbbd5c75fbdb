using System.Buffers;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Retained;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// Retained messages: a PUBLISH (or will) with RETAIN goes to the vhost's <see cref="RetainedStore"/>
/// as well as to the exchange; an empty one clears the topic. On SUBSCRIBE the matching retained
/// messages are put into the client's own queue, so they reach the client through the ordinary
/// delivery path: within its Receive Maximum / prefetch, however many there are, acknowledged and
/// (for a persistent session) kept like any other delivery.
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>The vhost's retained store, opened on first use by the reader.</summary>
    private RetainedStore? _retained;

    private RetainedStore RetainedStore =>
        _retained ??= RetainedStoreRegistry.For(_broker, _options).Get(_connection!.VirtualHost.Name);

    /// <summary>
    /// Stores (or, for an empty payload, clears) the retained message of a RETAIN publish that was
    /// routed. The store applies it in memory at once (a SUBSCRIBE right after sees it) and writes
    /// its log in the background; <paramref name="gate"/> (QoS 1/2) holds the acknowledgement until
    /// it is done. A refusal is logged; the publish was routed all the same.
    /// </summary>
    private void Retain(in MqttPublishPacket publish, ulong publishId, AckGate? gate)
    {
        var store = RetainedStore;
        ValueTask<RetainResult> pending;
        if (publish.Payload.IsEmpty) pending = store.ClearAsync(publish.Topic);
        else
        {
            var payload = publish.Payload.IsSingleSegment ? publish.Payload.FirstSpan : publish.Payload.ToArray();
            pending = store.SetAsync(RetainedMessage.FromPublish(publish.Topic, payload, publish.Qos, publish.Properties, store.TimeProvider.GetUtcNow()));
        }
        if (pending.IsCompletedSuccessfully) RetainDone(publish.Topic, pending.Result, publishId, gate);
        else _ = CompleteRetainAsync(publish.Topic, pending, publishId, gate);
    }

    private async Task CompleteRetainAsync(string topic, ValueTask<RetainResult> pending, ulong publishId, AckGate? gate)
    {
        RetainResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _broker.Faults.Report($"{Description}: retaining '{topic}'", e);
            result = RetainResult.StoreFailed;
        }
        RetainDone(topic, result, publishId, gate);
    }

    /// <summary>The store's half of the gate: acknowledges when the confirm came already; any thread.</summary>
    private void RetainDone(string topic, RetainResult result, ulong publishId, AckGate? gate)
    {
        LogRetainResult(topic, result);
        if (gate is not null && gate.Retained(result) && TakeGate(publishId) is not null)
            Acknowledge(publishId, gate.Accepted, gate.Unroutable, result);
    }

    private void LogRetainResult(string topic, RetainResult result)
    {
        if (!result.IsSuccess()) Log.ConnectionError(_logger, RemoteEndPoint, $"retained message for '{topic}' not kept: {result}");
    }

    /// <summary>
    /// Puts the retained messages matching <paramref name="subscription"/> into the client's own
    /// queue, marked as coming from the store (so they are sent with RETAIN and the real topic).
    /// Reader loop; the queue holds them until the client's flow-control window lets them out.
    /// </summary>
    private void SendRetained(MqttSubscriptionEntry subscription)
    {
        var vhost = _connection!.VirtualHost;
        var store = RetainedStore;
        var now = store.TimeProvider.GetUtcNow();
        foreach (var retained in store.Match(subscription.MatchFilter))
        {
            if (retained.IsExpired(now)) continue;
            var publish = new MqttPublishPacket(retained.Topic, retained.Qos, 0, new ReadOnlySequence<byte>(retained.Payload),
                retain: true, properties: retained.ToProperties(now));
            var properties = MqttMessageConverter.ToNeutral(publish, Plain, MqttNativeBytes.Flags.FromRetainedStore);
            var message = _broker.Messages.Rent(_options.Exchange, MqttAmqpTopicMapping.ToAmqp(retained.Topic), properties, retained.Payload.Length);
            retained.Payload.Span.CopyTo(MessagePool.BodyBuffer(message).Span);
            try
            {
                vhost.SendToQueue(_queueName, message);
            }
            catch (BrokerException e)
            {
                Log.ConnectionError(_logger, RemoteEndPoint, $"retained message for '{retained.Topic}' not queued: {e.Message}");
            }
            finally
            {
                MessagePool.ReleasePublisherReference(message);
            }
        }
    }
}
