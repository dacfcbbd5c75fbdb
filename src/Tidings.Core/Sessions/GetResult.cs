using Tidings.Core.Messages;

namespace Tidings.Core.Sessions;

/// <summary>A message pulled with basic.get.</summary>
/// <remarks>DeliveryCount: how many times the message has been delivered from its queue, this get included.</remarks>
public sealed record GetResult(ulong DeliveryTag, bool Redelivered, string QueueName, Message Message, int MessagesRemaining, int DeliveryCount = 1);
