using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Tests.Support;
using Tidings.Storage.Streams;

namespace Tidings.Storage.Tests.Streams;

/// <summary>A stream queue of the core over the disk stream store: what was appended comes back after a restart.</summary>
public sealed class StreamQueueOnDiskTests : IDisposable
{
    private readonly TempDirectory _temp = new("tidings-stream-queue");

    public void Dispose() => _temp.Dispose();

    private (Broker Broker, SegmentStreamStore Store) Start()
    {
        var broker = new Broker(new BrokerOptions());
        var store = new SegmentStreamStore(_temp.Path, broker.StoreFsyncLatency);
        broker.StreamStore = store;
        broker.DefaultVirtualHost.DeclareQueue("s", durable: true, arguments: TestMessages.Table([("x-queue-type", "stream")]));
        return (broker, store);
    }

    [Fact]
    public async Task A_stream_queue_keeps_its_messages_and_offsets_across_a_restart()
    {
        var (broker, store) = Start();
        for (int i = 0; i < 10; i++) broker.DefaultVirtualHost.Publish("", "s", $"m{i}");
        broker.Dispose();
        await store.DisposeAsync();

        (broker, store) = Start();
        try
        {
            var session = broker.OpenGuestSession();
            session.SetPrefetch(100, global: false);
            var sink = new RecordingSink();
            session.Consume("s", null, noAck: false, exclusive: false, new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, sink);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (sink.Deliveries.Count < 10 && DateTime.UtcNow < deadline) await Task.Delay(10);

            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i),
                sink.Deliveries.Select(d => (long)d.Message.Properties.Headers!["x-stream-offset"]!));
        }
        finally
        {
            broker.Dispose();
            await store.DisposeAsync();
        }
    }
}
