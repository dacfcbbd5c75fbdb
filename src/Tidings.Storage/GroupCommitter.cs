using System.Diagnostics;
using System.Threading.Channels;
using Tidings.Core;

namespace Tidings.Storage;

/// <summary>
/// The single writer of a <see cref="SegmentLog"/>: appends and removals from any thread queue up
/// here; one loop takes everything queued, writes it, fsyncs once, then tells every appender its
/// record is durable. Group commit without a timer: the more concurrent writers, the more records
/// each fsync covers, and a lone writer is never delayed.
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable
{
    private readonly record struct Request(ReadOnlyMemory<byte> Payload, RecordId RemoveId, Action<RecordId, object?>? OnDurable, object? State);

    private readonly SegmentLog _log;
    private readonly LatencyHistogram? _fsyncLatency;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    /// <summary>Reused between batches; only the loop touches it.</summary>
    private readonly List<(RecordId Id, Action<RecordId, object?> Callback, object? State)> _durable = [];
    private long _fsyncs;
    private long _appends;

    public GroupCommitter(SegmentLog log, LatencyHistogram? fsyncLatency = null)
    {
        _log = log;
        _fsyncLatency = fsyncLatency;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>fsyncs performed so far.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Records appended so far.</summary>
    public long Appends => Interlocked.Read(ref _appends);

    /// <summary>
    /// Queues a record; <paramref name="onDurable"/> runs on the commit loop once it is on disk
    /// (callback plus state rather than a Task, so the publish path allocates no continuation).
    /// </summary>
    public void Append(ReadOnlyMemory<byte> payload, Action<RecordId, object?> onDurable, object? state = null)
    {
        if (!_requests.Writer.TryWrite(new Request(payload, default, onDurable, state)))
            throw new ObjectDisposedException(nameof(GroupCommitter));
    }

    /// <summary>Appends and waits until the record is on disk.</summary>
    public Task<RecordId> AppendAsync(ReadOnlyMemory<byte> payload)
    {
        var done = new TaskCompletionSource<RecordId>(TaskCreationOptions.RunContinuationsAsynchronously);
        Append(payload, static (id, s) => ((TaskCompletionSource<RecordId>)s!).SetResult(id), done);
        return done.Task;
    }

    /// <summary>Queues the removal of a record (acked message); durable with the next commit.</summary>
    public void Remove(RecordId id)
    {
        if (!_requests.Writer.TryWrite(new Request(default, id, null, null)))
            throw new ObjectDisposedException(nameof(GroupCommitter));
    }

    private async Task RunAsync()
    {
        var reader = _requests.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var request))
            {
                if (request.OnDurable is { } callback)
                {
                    var id = _log.Append(request.Payload.Span);
                    _durable.Add((id, callback, request.State));
                    Interlocked.Increment(ref _appends);
                }
                else
                {
                    _log.Remove(request.RemoveId);
                }
            }
            long started = Stopwatch.GetTimestamp();
            _log.Flush();
            _fsyncLatency?.Observe(Stopwatch.GetElapsedTime(started));
            Interlocked.Increment(ref _fsyncs);
            foreach (var (id, callback, state) in _durable) callback(id, state);
            _durable.Clear();
        }
    }

    /// <summary>Finishes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
