using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>
/// A message taken from a queue without a consumer (basic.get, a connectionless receive), with the
/// handle that settles it. <paramref name="FirstDeliveredAtMs"/> is when the entry first went out
/// from this queue (Unix ms; SQS ApproximateFirstReceiveTimestamp), 0 when unknown (recovered after a restart).
/// </summary>
public readonly record struct QueueDelivery(DeliveryHandle Handle, Message Message, bool Redelivered, int DeliveryCount,
    long FirstDeliveredAtMs);
