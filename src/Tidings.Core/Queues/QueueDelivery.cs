using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>
/// A message taken from a queue without a consumer (basic.get, a connectionless receive), with the
/// handle that settles it. <paramref name="FirstDeliveredAtMs"/> is when a connectionless receive
/// first took the entry from this queue (Unix ms; SQS ApproximateFirstReceiveTimestamp), 0 when none
/// has (a basic.get, or a message recovered after a restart).
/// </summary>
public readonly record struct QueueDelivery(DeliveryHandle Handle, Message Message, bool Redelivered, int DeliveryCount,
    long FirstDeliveredAtMs);
