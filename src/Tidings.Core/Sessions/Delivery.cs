using Tidings.Core.Messages;

namespace Tidings.Core.Sessions;

/// <summary>One message handed to a consumer, with the channel-scoped tag used to ack it.</summary>
public readonly struct Delivery(string consumerTag, ulong deliveryTag, bool redelivered, string queueName, Message message)
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
}
