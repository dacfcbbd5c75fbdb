namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>The queue-semantics suite against the in-memory message store.</summary>
public sealed class InMemoryQueueSemanticsTests : QueueSemanticsTests
{
    protected override Broker CreateBroker(TimeProvider time) => new(new BrokerOptions(), time);
}
