using System.Diagnostics;
using System.Globalization;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.MicroBench.Amqp;
using Tidings.MicroBench.Core;

namespace Tidings.MicroBench;

/// <summary>
/// The quick loop for allocation work: <c>dotnet run -c Release --project bench/Tidings.MicroBench -- alloc
/// [messages] [--types]</c>. Runs the AMQP publish→deliver→ack round trip (and the same path through
/// the core alone) for a warm-up, then measures <see cref="GC.GetTotalAllocatedBytes(bool)"/> — every
/// thread, the broker's included — over <c>messages</c> messages (default 100,000) and prints bytes
/// and throughput per message. With <c>--types</c> a second pass samples GCAllocationTick events and
/// lists the types allocated most (a sampling profile: ~1 event per 100 KB).
/// </summary>
public static class AllocMode
{
    private const int Batch = 1000;

    public static async Task<int> RunAsync(string[] args)
    {
        int messages = args.FirstOrDefault(a => !a.StartsWith('-')) is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 100_000;
        bool types = args.Contains("--types");
        int batches = Math.Max(1, messages / Batch);
        messages = batches * Batch;

        await using (var roundTrip = await AmqpRoundTrip.StartAsync(Batch))
        {
            // Warm-up: JIT tiers, pipe segment pools, the outbound buffers' growth, the queue's chunks.
            for (int i = 0; i < Math.Max(20, batches / 5); i++) await roundTrip.RunBatchAsync();
            Report("publish→deliver→ack", await MeasureAsync(batches, roundTrip.RunBatchAsync), messages);
            if (types) await SampleTypesAsync(batches, roundTrip.RunBatchAsync);
        }

        using (var core = new CoreRoundTrip())
        {
            for (int i = 0; i < Math.Max(20, batches / 5); i++) core.RunBatch();
            Report("core Session.Publish(pooled message)→sink→Ack", await MeasureAsync(batches, () => { core.RunBatch(); return ValueTask.CompletedTask; }), messages);
            if (types) await SampleTypesAsync(batches, () => { core.RunBatch(); return ValueTask.CompletedTask; });
        }

        return 0;
    }

    private const int Slices = 10;

    /// <summary>
    /// Runs <paramref name="batches"/> batches and returns the bytes allocated on every thread, the time,
    /// and the bytes of each tenth of the run: a steady state shows as zeros late in the run even when
    /// a pool or buffer still grew early on.
    /// </summary>
    private static async Task<(long Bytes, double Seconds, long[] SliceBytes)> MeasureAsync(int batches, Func<ValueTask> batch)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var slices = new long[Math.Min(Slices, batches)];
        long start = GC.GetTotalAllocatedBytes(precise: true);
        long sliceStart = start;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < batches; i++)
        {
            await batch();
            int slice = (int)((long)i * slices.Length / batches);
            if ((int)((long)(i + 1) * slices.Length / batches) != slice || i == batches - 1)
            {
                // Reading the counter with precise: true costs a little; once per slice is noise.
                long now = GC.GetTotalAllocatedBytes(precise: true);
                slices[slice] = now - sliceStart;
                sliceStart = now;
            }
        }

        watch.Stop();
        return (GC.GetTotalAllocatedBytes(precise: true) - start, watch.Elapsed.TotalSeconds, slices);
    }

    private static void Report(string path, (long Bytes, double Seconds, long[] SliceBytes) measured, int messages)
    {
        var (bytes, seconds, slices) = measured;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{path}: {bytes / (double)messages:N1} B/msg, {messages / seconds:N0} msg/s ({messages:N0} messages, {bytes:N0} B in total, all threads)"));
        double perSlice = messages / (double)slices.Length;
        Console.WriteLine("  B/msg per tenth of the run: " +
            string.Join(" ", slices.Select(b => (b / perSlice).ToString("N1", CultureInfo.InvariantCulture))));
    }

    private static async Task SampleTypesAsync(int batches, Func<ValueTask> batch)
    {
        using var sampler = new AllocationSampler();
        // The runtime source is enabled asynchronously; give it a moment before counting.
        await Task.Delay(200);
        sampler.Start();
        for (int i = 0; i < batches; i++) await batch();
        var sampled = sampler.Stop();
        long total = sampled.Sum(s => s.Bytes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  sampled allocations by type (GCAllocationTick, {total:N0} B sampled):"));
        foreach (var (type, bytes) in sampled.Take(15))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {bytes * 100.0 / Math.Max(1, total),5:F1}%  {type}"));
    }

    /// <summary>The core path of <see cref="SessionRoundTripBenchmarks"/> (ack multiple every 100), for comparison.</summary>
    private sealed class CoreRoundTrip : IDisposable
    {
        private readonly Broker _broker = new(new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 });
        private readonly Tidings.Core.Sessions.Session _session;
        private readonly LastTagSink _sink = new();
        private readonly ReadOnlyMemory<byte> _body = new byte[128];

        public CoreRoundTrip()
        {
            _broker.DefaultVirtualHost.DeclareQueue("bench");
            _session = _broker.OpenConnection(_broker.FindUser("guest")!, "/", "bench").OpenSession(1);
            _session.SetPrefetch(1000, global: false);
            _session.Consume("bench", "c1", noAck: false, exclusive: false, arguments: null, _sink);
        }

        public void RunBatch()
        {
            for (int i = 1; i <= Batch; i++)
            {
                // Rented and filled as the AMQP channel does it (the public overload with a caller's
                // body wraps it in a new message: 80 B).
                var message = _broker.Messages.Rent("", "bench", MessageProperties.Empty, _body.Length);
                _body.Span.CopyTo(MessagePool.BodyBuffer(message).Span);
                _session.Publish(message);
                MessagePool.ReleasePublisherReference(message);
                if (i % 100 == 0) _session.Ack(_sink.LastTag, multiple: true);
            }
        }

        public void Dispose() => _broker.Dispose();
    }
}
