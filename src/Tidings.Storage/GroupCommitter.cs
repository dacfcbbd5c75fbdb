using System.Diagnostics;
using System.Threading.Channels;
using Tidings.Core;
using Tidings.Core.Storage;

namespace Tidings.Storage;

/// <summary>
/// The single writer of a set of <see cref="SegmentLog"/>s: appends and removals from any thread
/// queue up here; one loop takes everything queued, writes it, fsyncs each touched log once,
/// then tells every appender its record is durable. Group commit without a timer: the more
/// concurrent writers, the more records one fsync covers, and a lone writer is never delayed.
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable
{
    private enum Kind : byte { Append, Remove, Close }

    // Handle: for appends, given its id as soon as the record is written (before the fsync), so a
    // removal queued behind it finds it; for removals, the record to remove.
    private readonly record struct Request(Kind Kind, SegmentLog Log, ReadOnlyMemory<byte> Payload, StoredMessage? Handle,
        Action<RecordId, object?>? OnDurable, object? State);

    private readonly LatencyHistogram? _fsyncLatency;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    /// <summary>Reused between batches; only the loop touches them.</summary>
    private readonly List<(RecordId Id, Action<RecordId, object?> Callback, object? State)> _durable = [];
    private readonly HashSet<SegmentLog> _touched = [];
    private long _fsyncs;
    private long _appends;

    public GroupCommitter(LatencyHistogram? fsyncLatency = null)
    {
        _fsyncLatency = fsyncLatency;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>fsync rounds performed so far.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Records appended so far.</summary>
    public long Appends => Interlocked.Read(ref _appends);

    /// <summary>
    /// Queues a record for <paramref name="log"/>. <paramref name="onDurable"/> runs exactly once,
    /// on the commit loop, after the record is on disk (callback plus state rather than a Task, so
    /// the publish path allocates no continuation).
    /// </summary>
    public void Append(SegmentLog log, ReadOnlyMemory<byte> payload, Action<RecordId, object?> onDurable, object? state = null,
        StoredMessage? handle = null) =>
        Enqueue(new Request(Kind.Append, log, payload, handle, onDurable, state));

    /// <summary>Appends and waits until the record is on disk.</summary>
    public Task<RecordId> AppendAsync(SegmentLog log, ReadOnlyMemory<byte> payload)
    {
        var done = new TaskCompletionSource<RecordId>(TaskCreationOptions.RunContinuationsAsynchronously);
        Append(log, payload, static (id, s) => ((TaskCompletionSource<RecordId>)s!).SetResult(id), done);
        return done.Task;
    }

    /// <summary>Queues the removal of a record (acked message); durable with the next commit.</summary>
    public void Remove(SegmentLog log, StoredMessage handle) => Enqueue(new Request(Kind.Remove, log, default, handle, null, null));

    /// <summary>Queues closing a log after everything queued for it; <paramref name="then"/> runs on the loop after.</summary>
    public void Close(SegmentLog log, Action<RecordId, object?>? then = null) => Enqueue(new Request(Kind.Close, log, default, null, then, null));

    private void Enqueue(in Request request)
    {
        if (!_requests.Writer.TryWrite(request)) throw new ObjectDisposedException(nameof(GroupCommitter));
    }

    private async Task RunAsync()
    {
        var reader = _requests.Reader;
        var closing = new List<(SegmentLog Log, Action<RecordId, object?>? Then)>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var request))
            {
                switch (request.Kind)
                {
                    case Kind.Append:
                        var id = request.Log.Append(request.Payload.Span);
                        if (request.Handle is { } handle) handle.Id = id.Value;
                        _durable.Add((id, request.OnDurable!, request.State));
                        _touched.Add(request.Log);
                        Interlocked.Increment(ref _appends);
                        break;
                    case Kind.Remove:
                        request.Log.Remove(RecordId.FromValue(request.Handle!.Id));
                        _touched.Add(request.Log);
                        break;
                    case Kind.Close:
                        closing.Add((request.Log, request.OnDurable));
                        break;
                }
            }
            long started = Stopwatch.GetTimestamp();
            foreach (var log in _touched) log.Flush();
            if (_touched.Count > 0)
            {
                _fsyncLatency?.Observe(Stopwatch.GetElapsedTime(started));
                Interlocked.Increment(ref _fsyncs);
            }
            _touched.Clear();
            foreach (var (id, callback, state) in _durable) callback(id, state);
            _durable.Clear();
            foreach (var (log, then) in closing)
            {
                log.Dispose();
                then?.Invoke(default, null);
            }
            closing.Clear();
        }
    }

    /// <summary>Finishes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
