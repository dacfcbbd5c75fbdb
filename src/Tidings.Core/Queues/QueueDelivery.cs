using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>A message taken from a queue without a consumer (basic.get, a connectionless receive), with the handle that settles it.</summary>
public readonly record struct QueueDelivery(DeliveryHandle Handle, Message Message, bool Redelivered, int DeliveryCount);
