using System.IO.Pipelines;
using Tidings.Core;
using Tidings.Http.Metrics;

namespace Tidings.Http.Tests.Metrics;

/// <summary>Runs alone: it measures the process's allocations, which parallel tests would inflate.</summary>
[CollectionDefinition(nameof(MetricsAllocationTests), DisableParallelization = true)]
public sealed class MetricsAllocationCollection;

[Collection(nameof(MetricsAllocationTests))]
public sealed class MetricsAllocationTests
{
    [Fact]
    public async Task Exporting_allocates_nothing_per_sample()
    {
        const int queues = 100_000;
        using var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        for (int i = 0; i < queues; i++) broker.DefaultVirtualHost.DeclareQueue($"queue-{i}");
        var sink = new CountingStream();
        await BrokerMetrics.WriteAsync(broker, new PrometheusTextWriter(PipeWriter.Create(sink)), perObject: true, CancellationToken.None); // JIT warm-up

        sink.Bytes = 0;
        var writer = new PrometheusTextWriter(PipeWriter.Create(sink));
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await BrokerMetrics.WriteAsync(broker, writer, perObject: true, CancellationToken.None);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(sink.Bytes > queues * 8 * 60, $"wrote only {sink.Bytes} bytes");
        // The queue snapshot costs about 16 bytes a queue; one small object per sample would be 8 × 24.
        Assert.True(allocated < queues * 40, $"allocated {allocated} bytes for {queues} queues");
    }

    /// <summary>Swallows what the pipe writes and counts it.</summary>
    private sealed class CountingStream : Stream
    {
        public long Bytes { get; set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Bytes;
        public override long Position { get => Bytes; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Bytes += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Bytes += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
