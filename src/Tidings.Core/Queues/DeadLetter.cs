using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>Why a message left its queue other than by being acked (the x-death "reason").</summary>
public enum DeadLetterReason
{
    /// <summary>basic.reject or basic.nack with requeue=false.</summary>
    Rejected,
    /// <summary>Its TTL passed.</summary>
    Expired,
    /// <summary>x-max-length or x-max-length-bytes was exceeded.</summary>
    MaxLength,
}

/// <summary>A message leaving a queue towards its dead-letter exchange.</summary>
internal readonly record struct DeadLetter(Message Message, DeadLetterReason Reason)
{
    /// <summary>The reason as RabbitMQ writes it in x-death.</summary>
    public string ReasonText => Reason switch
    {
        DeadLetterReason.Rejected => "rejected",
        DeadLetterReason.Expired => "expired",
        _ => "maxlen",
    };
}
