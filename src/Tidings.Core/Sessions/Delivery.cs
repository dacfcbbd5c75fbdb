using Tidings.Core.Messages;
using Tidings.Core.Queues;

namespace Tidings.Core.Sessions;

/// <summary>One message handed to a consumer, with the channel-scoped tag used to ack it.</summary>
public readonly struct Delivery(string consumerTag, ulong deliveryTag, bool redelivered, string queueName, Message message,
    DeliveryHandle handle = default, int deliveryCount = 1)
{
    /// <summary>The consumer's tag.</summary>
    public string ConsumerTag { get; } = consumerTag;

    /// <summary>Tag to ack, nack or reject with; unique within the session.</summary>
    public ulong DeliveryTag { get; } = deliveryTag;

    /// <summary>True when the message was delivered before and requeued.</summary>
    public bool Redelivered { get; } = redelivered;

    /// <summary>The queue the message came from.</summary>
    public string QueueName { get; } = queueName;

    /// <summary>The message (exchange, routing key, properties, body).</summary>
    public Message Message { get; } = message;

    /// <summary>Settles this delivery at its queue; empty for no-ack and direct reply-to deliveries.</summary>
    public DeliveryHandle Handle { get; } = handle;

    /// <summary>How many times the message has been delivered from its queue, this time included.</summary>
    public int DeliveryCount { get; } = deliveryCount;
}
