using Tidings.Core.Messages;

namespace Tidings.Core.Sessions;

/// <summary>A message pulled with basic.get.</summary>
public sealed record GetResult(ulong DeliveryTag, bool Redelivered, string QueueName, Message Message, int MessagesRemaining);
