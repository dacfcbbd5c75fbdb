using System.Buffers;
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
    private enum Kind : byte { Append, Remove, Close, CompactionCheck }

    // Handle: for appends, given its id as soon as the record is written (before the fsync), so a
    // removal queued behind it finds it; for removals, the record to remove.
    // Rented: the payload's array, returned to RecordBuffers once written (or skipped).
    private readonly record struct Request(Kind Kind, SegmentLog Log, ReadOnlyMemory<byte> Payload, StoredMessage? Handle,
        Action<RecordId, object?>? OnDurable, object? State, byte[]? Rented = null);

    /// <summary>Records larger than this are plain arrays: pooling them would hold big buffers for little gain.</summary>
    private const int MaxPooledRecord = 16 * 1024;

    /// <summary>
    /// Buffers for encoded records waiting to be written. A dedicated pool: the shared one keeps
    /// only a few dozen arrays per size, far fewer than a confirm window puts in flight.
    /// </summary>
    public ArrayPool<byte> RecordBuffers { get; } = ArrayPool<byte>.Create(MaxPooledRecord, maxArraysPerBucket: 1024);

    private readonly LatencyHistogram? _fsyncLatency;
    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    /// <summary>Confirms of this round's appends, run after its fsync. Reused between rounds; only the loop touches it.</summary>
    private readonly List<(RecordId Id, Action<RecordId, object?> Callback, object? State)> _durable = [];
    /// <summary>Logs written or removed from this round: each is fsynced once (only the loop touches it).</summary>
    private readonly HashSet<SegmentLog> _touched = [];
    /// <summary>Logs to close after this round's confirms, with what to run then (only the loop touches it).</summary>
    private readonly List<(SegmentLog Log, Action<RecordId, object?>? Then)> _closing = [];
    /// <summary>True once the request channel is completed (disposal): the loop finishes what is queued and stops.</summary>
    private bool _requestsCompleted;
    /// <summary>Appends waiting to be written, in order (only the loop touches it).</summary>
    private readonly Queue<Request> _deferred = new();
    /// <summary>Messages removed before their append was written: the append is skipped.</summary>
    private readonly HashSet<StoredMessage> _cancelled = new(ReferenceEqualityComparer.Instance);
    /// <summary>Free bytes on the store's disk; null = never check.</summary>
    private readonly Func<long>? _freeBytes;
    /// <summary>Space that must stay free after a write (the disk alarm's limit).</summary>
    private readonly long _reserveBytes;
    /// <summary>Told true when appends start waiting for space, false when they flow again (the server's disk alarm).</summary>
    private readonly Action<bool>? _onDiskFull;
    /// <summary>Whether the last report to <see cref="_onDiskFull"/> was "full".</summary>
    private bool _reportedFull;
    private static readonly TimeSpan DiskRetryDelay = TimeSpan.FromMilliseconds(200);
    private readonly long _compactionMinimumBytes;
    /// <summary>Logs written in the current round, kept for the compaction check after it.</summary>
    private readonly List<SegmentLog> _compactionCandidates = [];
    /// <summary>Logs whose mostly-dead segments were still being consumed: checked again later, even without new writes.</summary>
    private readonly HashSet<SegmentLog> _compactionLater = [];
    private static readonly TimeSpan CompactionRetryDelay = TimeSpan.FromSeconds(1);
    /// <summary>
    /// Queues a round a second after compaction was deferred, so stragglers are compacted even if
    /// nothing else is written. A timer rather than a timed wait in the loop: the loop's normal wait
    /// stays one allocation-free await, and the timer is armed at most once a second.
    /// </summary>
    private readonly Timer _compactionTimer;
    /// <summary>True while <see cref="_compactionTimer"/> is due; set by the loop, cleared by the timer.</summary>
    private volatile bool _compactionTimerArmed;
    private long _fsyncs;
    private long _appends;
    /// <summary>Where faults of callbacks and rounds are reported; null reports nowhere (tests), the loop survives anyway.</summary>
    private readonly FaultLog? _faults;

    /// <param name="fsyncLatency">Where each fsync round's duration is recorded.</param>
    /// <param name="freeBytes">Free space of the disk written to; appends wait while writing would leave less than <paramref name="reserveBytes"/>.</param>
    /// <param name="reserveBytes">Space kept free, so removals (acks) can still be written and the disk never fills.</param>
    /// <param name="onDiskFull">Told true when appends have to wait for space, false when they are written again.</param>
    /// <param name="compactionMinimumBytes">Segments at least this large that are three-quarters dead are compacted after a commit; 0 disables compaction.</param>
    /// <param name="faults">Where a failing callback or round is reported (Broker.Faults); the loop carries on either way.</param>
    public GroupCommitter(LatencyHistogram? fsyncLatency = null, Func<long>? freeBytes = null, long reserveBytes = 0, Action<bool>? onDiskFull = null,
        long compactionMinimumBytes = 0, FaultLog? faults = null)
    {
        _faults = faults;
        _compactionMinimumBytes = compactionMinimumBytes;
        _fsyncLatency = fsyncLatency;
        _freeBytes = freeBytes;
        _reserveBytes = reserveBytes;
        _onDiskFull = onDiskFull;
        _compactionTimer = new Timer(static s => ((GroupCommitter)s!).OnCompactionTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>fsync rounds performed so far.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Segments compacted so far.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    private long _compactions;

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

    /// <summary>
    /// As <see cref="Append(SegmentLog, ReadOnlyMemory{byte}, Action{RecordId, object?}, object?, StoredMessage?)"/>
    /// for a record in <paramref name="rented"/> (from <see cref="RecordBuffers"/>), which goes back to the pool once written.
    /// </summary>
    public void AppendRented(SegmentLog log, byte[] rented, int length, Action<RecordId, object?> onDurable, object? state,
        StoredMessage handle) =>
        Enqueue(new Request(Kind.Append, log, rented.AsMemory(0, length), handle, onDurable, state, rented));

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

    /// <summary>
    /// The commit loop, one round per batch: wait for work, take everything queued, write it and
    /// fsync each touched log once, then tell appenders their records are durable, close logs
    /// that asked for it, and compact (after the confirms, which should not wait for it).
    /// </summary>
    private async Task RunAsync()
    {
        while (!_requestsCompleted || _deferred.Count > 0)
        {
            if (!await WaitForWorkAsync().ConfigureAwait(false)) break;
            CollectBatch();
            long started = Stopwatch.GetTimestamp();
            var written = WriteAndFsync();
            if (written == RoundOutcome.Stop) break;
            if (written == RoundOutcome.Retry)
            {
                await Task.Delay(DiskRetryDelay).ConfigureAwait(false);
                continue;
            }
            RecordFsync(started);
            TakeCompactionCandidates();
            CompleteConfirms();
            CloseLogs();
            CompactCandidates();
            ScheduleCompactionRetry();
            DropUnwritableOnShutdown();
        }
    }

    /// <summary>What became of a round's write and fsync.</summary>
    private enum RoundOutcome : byte { Written, Retry, Stop }

    /// <summary>
    /// Waits until something is queued; false when nothing ever will be again and nothing waits.
    /// With appends waiting for disk space it also wakes every <see cref="DiskRetryDelay"/>.
    /// </summary>
    private ValueTask<bool> WaitForWorkAsync() =>
        // The usual case is the channel's own wait: one await that allocates nothing.
        _deferred.Count == 0 ? _requests.Reader.WaitToReadAsync() : WaitForRequestsOrRetryAsync();

    /// <summary>Appends wait for disk space; removals (which free it) keep flowing meanwhile.</summary>
    private async ValueTask<bool> WaitForRequestsOrRetryAsync()
    {
        var more = _requests.Reader.WaitToReadAsync().AsTask();
        await Task.WhenAny(more, Task.Delay(DiskRetryDelay)).ConfigureAwait(false);
        if (more.IsCompleted && !more.Result) _requestsCompleted = true;
        return true;
    }

    /// <summary>
    /// Takes every queued request: appends join <see cref="_deferred"/> (written in order next),
    /// removals are applied at once (or cancel an append not yet written), closes are kept for
    /// after the confirms.
    /// </summary>
    private void CollectBatch()
    {
        while (_requests.Reader.TryRead(out var request))
        {
            switch (request.Kind)
            {
                case Kind.Append:
                    _deferred.Enqueue(request);
                    break;
                case Kind.Remove:
                    if (request.Handle!.Id == 0) _cancelled.Add(request.Handle); // its append has not been written yet
                    else
                    {
                        request.Log.Remove(RecordId.FromValue(request.Handle.Id));
                        _touched.Add(request.Log);
                    }
                    break;
                case Kind.Close:
                    _closing.Add((request.Log, request.OnDurable));
                    break;
                case Kind.CompactionCheck:
                    // Only wakes the loop: the round looks at the deferred logs.
                    break;
            }
        }
    }

    /// <summary>Writes the deferred appends that fit and fsyncs every log touched this round.</summary>
    private RoundOutcome WriteAndFsync()
    {
        try
        {
            WriteDeferredAppends();
            foreach (var log in _touched) log.Flush();
            return RoundOutcome.Written;
        }
        catch (IOException)
        {
            // Out of space despite the reserve (another process filled the disk) or an I/O
            // error: nothing written since the last fsync is confirmed; block publishers and
            // retry. A record torn by the failed write is reported (and skipped) by recovery.
            ReportFull(true);
            if (!_requestsCompleted) return RoundOutcome.Retry;
            // Shutting down and still failing: what is left was never confirmed.
            _deferred.Clear();
            return RoundOutcome.Stop;
        }
        catch (Exception e)
        {
            // Not an I/O error: a fault of ours. Nothing unwritten was dequeued, so the round
            // is retried rather than the loop (and every durable queue with it) ending.
            Report("write round", e);
            return _requestsCompleted ? RoundOutcome.Stop : RoundOutcome.Retry;
        }
    }

    /// <summary>Counts the round's fsync and records how long writing and syncing took.</summary>
    private void RecordFsync(long started)
    {
        if (_touched.Count == 0) return;
        _fsyncLatency?.Observe(Stopwatch.GetElapsedTime(started));
        Interlocked.Increment(ref _fsyncs);
    }

    /// <summary>The logs written this round and those deferred earlier become this round's compaction candidates.</summary>
    private void TakeCompactionCandidates()
    {
        if (_compactionMinimumBytes > 0)
        {
            _compactionCandidates.AddRange(_touched);
            foreach (var log in _compactionLater)
                if (!_touched.Contains(log)) _compactionCandidates.Add(log);
            _compactionLater.Clear();
        }
        _touched.Clear();
    }

    /// <summary>Tells every appender of this round its record is on disk.</summary>
    private void CompleteConfirms()
    {
        // Each callback on its own: one confirm sink that throws must not keep the others'
        // confirms back, nor end the loop every durable queue depends on. A try per callback
        // rather than Run(...): a lambda here would be one closure per confirmed message.
        foreach (var (id, callback, state) in _durable)
        {
            try
            {
                callback(id, state);
            }
            catch (Exception e)
            {
                Report("confirm callback", e);
            }
        }
        _durable.Clear();
    }

    /// <summary>Closes the logs whose close was queued (everything queued before it is written), then runs their follow-ups.</summary>
    private void CloseLogs()
    {
        foreach (var (log, then) in _closing)
        {
            _compactionCandidates.Remove(log);
            _compactionLater.Remove(log);
            Run("closing a queue log", () =>
            {
                log.Dispose();
                then?.Invoke(default, null);
            });
        }
        _closing.Clear();
    }

    /// <summary>Compacts one mostly-dead segment of each candidate log; a log still being drained is kept for later.</summary>
    private void CompactCandidates()
    {
        foreach (var log in _compactionCandidates)
        {
            try
            {
                if (log.CompactOne(_compactionMinimumBytes, skipSegmentsBeingConsumed: true, out bool deferred))
                    Interlocked.Increment(ref _compactions);
                if (deferred) _compactionLater.Add(log);
            }
            catch (IOException)
            {
                // No room to copy survivors now; the segment stays and is tried again later.
                ReportFull(true);
            }
            catch (Exception e)
            {
                // Compaction is an optimisation: a fault leaves the segment as it is.
                Report("compaction", e);
            }
        }
        _compactionCandidates.Clear();
    }

    /// <summary>Arms the timer that brings a round for deferred compactions even if nothing else is written.</summary>
    private void ScheduleCompactionRetry()
    {
        if (_compactionLater.Count == 0 || _compactionTimerArmed) return;
        _compactionTimerArmed = true;
        _compactionTimer.Change(CompactionRetryDelay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Shutting down with no space to write: the appends still waiting were never confirmed, so
    /// dropping them loses nothing a client was promised.
    /// </summary>
    private void DropUnwritableOnShutdown()
    {
        if (_requestsCompleted && _deferred.Count > 0 && _freeBytes is not null && _freeBytes() < _reserveBytes)
            _deferred.Clear();
    }

    /// <summary>
    /// Writes queued appends in order while the disk keeps <see cref="_reserveBytes"/> free after
    /// them; stops at the first that does not fit and reports the disk as full. A message acked
    /// before it was written is not written at all (its confirm still goes out).
    /// </summary>
    private void WriteDeferredAppends()
    {
        long free = _freeBytes?.Invoke() ?? long.MaxValue;
        while (_deferred.TryPeek(out var request))
        {
            if (request.Handle is { } handle && _cancelled.Remove(handle))
            {
                _deferred.Dequeue();
                ReturnBuffer(request);
                _durable.Add((default, request.OnDurable!, request.State));
                continue;
            }
            long size = request.Payload.Length + 8;
            if (free - size < _reserveBytes)
            {
                ReportFull(true);
                return;
            }
            // Dequeued only once written: if the write fails, the request is retried, not lost.
            var id = request.Log.Append(request.Payload.Span);
            _deferred.Dequeue();
            ReturnBuffer(request);
            free -= size;
            if (request.Handle is { } written) written.Id = id.Value;
            _durable.Add((id, request.OnDurable!, request.State));
            _touched.Add(request.Log);
            Interlocked.Increment(ref _appends);
        }
        ReportFull(false);
    }

    /// <summary>Runs one callback; a fault is reported instead of ending the commit loop.</summary>
    private void Run(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            Report(what, e);
        }
    }

    private void Report(string what, Exception e) => _faults?.Report($"message store commit loop: {what}", e);

    private void OnCompactionTimer()
    {
        _compactionTimerArmed = false;
        _requests.Writer.TryWrite(new Request(Kind.CompactionCheck, null!, default, null, null, null));
    }

    private void ReturnBuffer(in Request request)
    {
        if (request.Rented is { Length: <= MaxPooledRecord } rented) RecordBuffers.Return(rented);
    }

    private void ReportFull(bool full)
    {
        if (full == _reportedFull) return;
        _reportedFull = full;
        _onDiskFull?.Invoke(full);
    }

    /// <summary>Finishes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        await _compactionTimer.DisposeAsync().ConfigureAwait(false);
    }
}
