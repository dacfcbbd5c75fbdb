using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Tidings.Core.Messages;
using Tidings.Core.Storage;
using Tidings.Storage.Streams;

namespace Tidings.Storage.Tests.Streams;

/// <summary>A stream store in a temp folder, reopened at will, with helpers to append and read back.</summary>
public abstract class StreamStoreFixture : IAsyncDisposable
{
    protected readonly TempDirectory Temp = new("tidings-streams");
    protected readonly ConcurrentQueue<string> Problems = new();
    protected SegmentStreamStore Store;

    protected StreamStoreFixture() => Store = NewStore();

    private SegmentStreamStore NewStore() => new(Temp.Path, report: Problems.Enqueue);

    protected static StreamRetention Retention(long segmentBytes = 1 << 20, long? maxBytes = null, TimeSpan? maxAge = null) =>
        new(maxBytes, maxAge, segmentBytes);

    protected IStreamLog Open(StreamRetention? retention = null, string name = "s") =>
        Store.OpenStream("/", name, retention ?? Retention());

    /// <summary>Closes the store (everything written and synced) and opens a new one on the same folder.</summary>
    protected async Task ReopenStoreAsync()
    {
        await Store.DisposeAsync();
        Store = NewStore();
    }

    protected string StreamDirectory(string name = "s") =>
        Directory.EnumerateDirectories(Temp.Path).Single(d => File.ReadAllText(Path.Combine(d, "name")).Contains($"stream: {name}\n"));

    protected string[] SegmentFiles(string name = "s") => [.. Directory.EnumerateFiles(StreamDirectory(name), "*.seg").Order()];

    protected static Message Text(string text) => new("ex", "key", new MessageProperties { MessageId = text }, Encoding.UTF8.GetBytes(text));

    protected static string TextOf(StreamEntry entry) => Encoding.UTF8.GetString(entry.Message.Body.Span);

    /// <summary>Appends messages "m{i}" for i in [from, from + count) at timestamp 1000 + i, and waits until all are durable.</summary>
    protected static async Task AppendAsync(IStreamLog log, int from, int count, Func<int, long>? timestamp = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var state = (new StrongBox<int>(count), done);
        for (int i = from; i < from + count; i++)
            log.Append(Text($"m{i}"), timestamp?.Invoke(i) ?? 1000 + i, static s =>
            {
                var (counter, tcs) = ((StrongBox<int>, TaskCompletionSource))s!;
                if (Interlocked.Decrement(ref counter.Value) == 0) tcs.SetResult();
            }, state);
        if (count > 0) await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    protected static List<StreamEntry> ReadAll(IStreamCursor cursor)
    {
        var entries = new List<StreamEntry>();
        while (cursor.TryRead(out var entry)) entries.Add(entry);
        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
