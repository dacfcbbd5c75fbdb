using System.Diagnostics;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Storage;

// Measures the durable store through the broker core (no network):
//   1. publish N persistent messages with confirms into a durable queue: confirms/s (every
//      confirm waits for its fsync; concurrency comes from many publishers sharing fsyncs);
//   2. restart: time to recover the N messages into the queue.
// Usage: dotnet run -c Release --project bench/Tidings.StoreBench -- [messages] [bodyBytes] [publishers] [drain]
// With "drain" as fourth argument it also reads every message back (no restart) and reports the
// drain rate and the process's peak resident memory (the bounded-memory check).
// With "stream" as first argument it measures the stream store instead (StreamAppendBench.cs).
if (args.Length > 0 && args[0] == "stream")
{
    await StreamAppendBench.RunAsync(args[1..]);
    return;
}
bool drain = args.Length > 3 && args[3] == "drain";
long peakRss = 0;
using var rssSampler = new Timer(_ => peakRss = Math.Max(peakRss, CurrentRss()), null, 0, 100);
int messages = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
int bodyBytes = args.Length > 1 ? int.Parse(args[1]) : 128;
int publishers = args.Length > 2 ? int.Parse(args[2]) : 8;
string directory = Path.Combine(Path.GetTempPath(), "tidings-storebench-" + Environment.ProcessId);

try
{
    var (broker, store) = Start(directory);
    broker.DefaultVirtualHost.DeclareQueue("bench", durable: true);
    DefinitionsFile.Save(broker, directory);
    var body = new byte[bodyBytes];
    var persistent = new MessageProperties { Durable = true };
    var watch = Stopwatch.StartNew();
    var tasks = Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
    {
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "bench").OpenSession(1);
        var window = new SemaphoreSlim(1000);
        var sink = new ReleasingSink(window);
        session.ConfirmSink = sink;
        int mine = messages / publishers + (p < messages % publishers ? 1 : 0);
        for (int i = 1; i <= mine; i++)
        {
            await window.WaitAsync();
            session.Publish("", "bench", persistent, body, publishId: (ulong)i);
        }
        for (int i = 0; i < 1000; i++) await window.WaitAsync();
    })).ToArray();
    await Task.WhenAll(tasks);
    double publishSeconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine($"publish+confirm: {messages:N0} x {bodyBytes} B persistent, {publishers} publishers, 1000 unconfirmed each: " +
                      $"{messages / publishSeconds:N0} msg/s, {store.Fsyncs:N0} fsyncs ({messages / (double)Math.Max(1, store.Fsyncs):N1} msgs per fsync), " +
                      $"fsync p50 ~{Median(broker.StoreFsyncLatency)}");
    if (drain)
    {
        var reader = broker.OpenConnection(broker.FindUser("guest")!, "/", "bench").OpenSession(2);
        Console.WriteLine($"backlog of {broker.DefaultVirtualHost.FindQueue("bench")!.MessageCount:N0}; peak RSS so far {peakRss / 1048576} MiB");
        watch.Restart();
        long drained = 0;
        while (reader.Get("bench", noAck: true) is not null) drained++;
        Console.WriteLine($"drain: {drained:N0} messages in order from disk at {drained / watch.Elapsed.TotalSeconds:N0} msg/s; peak RSS overall {peakRss / 1048576} MiB");
    }
    broker.Dispose();
    await store.DisposeAsync();
    if (drain) return;

    watch.Restart();
    (broker, store) = Start(directory);
    double recoverSeconds = watch.Elapsed.TotalSeconds;
    long recovered = broker.DefaultVirtualHost.FindQueue("bench")!.MessageCount;
    Console.WriteLine($"restart: recovered {recovered:N0} messages in {recoverSeconds:F2} s; managed heap {GC.GetTotalMemory(true) / 1048576} MiB, working set {Environment.WorkingSet / 1048576} MiB");
    broker.Dispose();
    await store.DisposeAsync();
}
finally
{
    if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
}

static long CurrentRss()
{
    // VmRSS from /proc: what the kernel really holds for the process, GC heap or not.
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    return Environment.WorkingSet;
}

static (Broker, SegmentMessageStore) Start(string directory)
{
    var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 });
    var store = new SegmentMessageStore(Path.Combine(directory, "msgs"), broker.StoreFsyncLatency);
    broker.MessageStore = store;
    DefinitionsFile.Load(broker, directory);
    return (broker, store);
}

static string Median(LatencyHistogram histogram)
{
    Span<long> counts = stackalloc long[histogram.UpperBounds.Count + 1];
    histogram.CopyBucketCounts(counts);
    long total = 0;
    foreach (long c in counts) total += c;
    long seen = 0;
    for (int i = 0; i < histogram.UpperBounds.Count; i++)
    {
        seen += counts[i];
        if (seen * 2 >= total) return $"<= {histogram.UpperBounds[i].TotalMilliseconds} ms";
    }
    return "> 10 s";
}

sealed class ReleasingSink(SemaphoreSlim window) : IPublishConfirmSink
{
    public void Settled(ulong publishId, bool accepted) => window.Release();
}
