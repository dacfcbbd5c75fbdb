using BenchmarkDotNet.Attributes;
using Tidings.Core.Messages;
using Tidings.Core.Storage;
using Tidings.Storage;

namespace Tidings.MicroBench.Storage;

/// <summary>
/// Persistent messages through the real store: <see cref="SegmentMessageStore"/>'s queue log, written
/// by its <see cref="GroupCommitter"/>, in a directory on disk (TIDINGS_BENCH_DIR, else the system temp
/// directory — make sure that is not a tmpfs, or fsync costs nothing). Each batch appends N
/// messages and waits until every one is durable — the fsync is included, once per commit round —
/// and removes (acks) the batch before last, so the queue keeps about one batch on disk and the
/// segment files stay bounded. One operation = one message: append + its share of the fsync +
/// one remove.
/// </summary>
[MemoryDiagnoser]
public class StoreAppendBenchmarks
{
    private static readonly Action<object?> OnDurable = static state => ((StoreAppendBenchmarks)state!).Durable();

    private string _directory = "";
    private SegmentMessageStore _store = null!;
    private IQueueLog _log = null!;
    private Message _message = null!;
    /// <summary>Handles of the last two batches; the older one is removed before the next append batch.</summary>
    private readonly Queue<StoredMessage[]> _batches = new();
    /// <summary>Appends of the current batch not yet durable; counted down on the committer's thread.</summary>
    private int _pending;
    /// <summary>Released by the committer when the whole batch is durable.</summary>
    private readonly SemaphoreSlim _batchDurable = new(0);
    private long _appended;

    [GlobalSetup]
    public void Setup()
    {
        string root = Environment.GetEnvironmentVariable("TIDINGS_BENCH_DIR") is { Length: > 0 } dir ? dir : Path.GetTempPath();
        _directory = Path.Combine(root, $"tidings-microbench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _store = new SegmentMessageStore(_directory);
        _log = _store.OpenQueue("/", "bench", static (_, _) => { });
        _message = new Message("", "bench", new MessageProperties { Durable = true }, new byte[128]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// store: {_appended:N0} appends, {_store.Fsyncs:N0} fsync rounds ({_appended / (double)Math.Max(1, _store.Fsyncs):N1} appends per fsync)");
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = 1000, Description = "store append+fsync+remove, batches of 1000, per message")]
    public void AppendCommit_Batch1000() => AppendBatch(1000);

    [Benchmark(OperationsPerInvoke = 1, Description = "store append+fsync+remove, one message per commit")]
    public void AppendCommit_Single() => AppendBatch(1);

    private void AppendBatch(int size)
    {
        if (_batches.Count == 2)
        {
            foreach (var handle in _batches.Dequeue()) _log.Remove(handle);
        }

        var handles = new StoredMessage[size];
        Volatile.Write(ref _pending, size);
        for (int i = 0; i < size; i++) handles[i] = _log.Append(_message, OnDurable, this);
        _batchDurable.Wait();
        _batches.Enqueue(handles);
        _appended += size;
    }

    private void Durable()
    {
        if (Interlocked.Decrement(ref _pending) == 0) _batchDurable.Release();
    }
}
