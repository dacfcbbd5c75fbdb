using Tidings.MicroBench.Amqp;

namespace Tidings.Bench.Tests;

/// <summary>Runs alone: it counts every thread's allocations, so no other test may run beside it.</summary>
[CollectionDefinition(nameof(AllocationCounting), DisableParallelization = true)]
public sealed class AllocationCounting;

/// <summary>
/// The publish → deliver → ack path through the real AMQP connection (in-memory pipes, 128-byte
/// bodies, prefetch 1000, one multiple ack per 1000 deliveries) allocates nothing per message
/// once warm. Before pooling it allocated about 350 bytes per message; this catches a regression
/// to even a single small object per message, without timing anything.
/// </summary>
[Collection(nameof(AllocationCounting))]
public sealed class HotPathAllocationTests
{
    [Fact]
    public async Task Publish_deliver_ack_allocates_nothing_per_message_in_steady_state()
    {
        await using var roundTrip = await AmqpRoundTrip.StartAsync(batchSize: 1000);
        for (int i = 0; i < 50; i++) await roundTrip.RunBatchAsync();

        const int Batches = 100;
        // The count covers every thread of the process: on a loaded machine the thread pool
        // injects threads (each allocates) during some windows. A per-message allocation shows in
        // every window, so the quietest of three is the one that counts.
        long allocated = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < Batches; i++) await roundTrip.RunBatchAsync();
            allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        double perMessage = allocated / (double)(Batches * roundTrip.BatchSize);
        // Timers and the test runner may allocate a little meanwhile; one object per message is 24+ bytes.
        Assert.True(perMessage < 4, $"{perMessage:F1} B per message ({allocated:N0} B for {Batches * roundTrip.BatchSize:N0} messages)");
    }
}
