using Tidings.Core.Sessions;

namespace Tidings.MicroBench.Core;

/// <summary>A consumer sink that only remembers the last delivery tag: the cheapest consumer there is.</summary>
public sealed class LastTagSink : IConsumerSink
{
    /// <summary>Tag of the last delivery; written by the delivering thread, read by the benchmark after the publish returned.</summary>
    public ulong LastTag { get; private set; }

    /// <summary>Deliveries seen.</summary>
    public long Count { get; private set; }

    public void Deliver(in Delivery delivery)
    {
        LastTag = delivery.DeliveryTag;
        Count++;
    }

    /// <summary>Nothing of the message is kept, so pooled messages can be reused after their ack.</summary>
    public bool CopiesDuringDeliver => true;

    public void CancelledByBroker(Consumer consumer)
    {
    }
}
