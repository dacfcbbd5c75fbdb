using System.Diagnostics;
using Tidings.Core;

namespace Tidings.Storage.Streams;

/// <summary>
/// The one writer of every stream log of a store, on its own thread. A round takes every log with
/// new records, writes each log's records with one gather-write per segment, fsyncs each written
/// segment once, and only then runs the confirms: group commit without a timer, so the more that is
/// appended while a round's fsync runs, the more the next round covers. An append wakes the loop
/// only when its log was not already queued, so a fast publisher costs no syscall per record.
/// </summary>
internal sealed class StreamWriterLoop
{
    /// <summary>Guards the fields below up to the thread; the loop waits on it (Monitor) when idle.</summary>
    private readonly object _gate = new();
    /// <summary>Logs with work for the next round (a log may be listed twice; it is taken once).</summary>
    private List<SegmentStreamLog> _queued = [];
    /// <summary>Work to run after the next round's writes (closing a deleted log's files).</summary>
    private List<Action> _after = [];
    /// <summary>Rounds asked for by Flush, and the last one finished: Flush waits until the one after its request is done.</summary>
    private long _requested;
    private long _finished;
    private bool _idle;
    private bool _stopping;
    private bool _stopped;
    private readonly Thread _thread;

    // Loop-only state.
    private List<SegmentStreamLog> _round = [];
    private List<Action> _roundAfter = [];
    private readonly List<SegmentStreamLog> _written = [];
    private long _roundNumber;

    private readonly LatencyHistogram? _fsyncLatency;
    private readonly Action<string, Exception> _fault;
    private long _fsyncs;
    private static readonly TimeSpan FailureRetryDelay = TimeSpan.FromMilliseconds(200);

    public StreamWriterLoop(LatencyHistogram? fsyncLatency, Action<string, Exception> fault)
    {
        _fsyncLatency = fsyncLatency;
        _fault = fault;
        _thread = new Thread(Run) { IsBackground = true, Name = "Tidings stream writer" };
        _thread.Start();
    }

    /// <summary>Rounds that wrote and fsynced something.</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Queues <paramref name="log"/> for the next round (called once per round by its appenders).</summary>
    public void Schedule(SegmentStreamLog log)
    {
        lock (_gate)
        {
            _queued.Add(log);
            if (_idle) Monitor.Pulse(_gate);
        }
    }

    /// <summary>Waits until everything appended to <paramref name="log"/> so far is written and fsynced.</summary>
    public void Flush(SegmentStreamLog log)
    {
        // The loop's own thread (a confirm callback closing a log) cannot wait for itself; the
        // log's records are written by the round that follows anyway.
        if (Thread.CurrentThread == _thread) return;
        lock (_gate)
        {
            if (_stopped) return;
            _queued.Add(log);
            long target = ++_requested;
            Monitor.PulseAll(_gate);
            while (_finished < target && !_stopped) Monitor.Wait(_gate);
        }
    }

    /// <summary>Writes what is queued for <paramref name="log"/>, then runs <paramref name="then"/> on the loop.</summary>
    public void Retire(SegmentStreamLog log, Action then)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                then();
                return;
            }
            _queued.Add(log);
            _after.Add(then);
            if (_idle) Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        while (true)
        {
            long target;
            bool stopping;
            lock (_gate)
            {
                while (_queued.Count == 0 && _after.Count == 0 && _requested == _finished && !_stopping)
                {
                    _idle = true;
                    Monitor.Wait(_gate);
                    _idle = false;
                }
                if (_queued.Count == 0 && _after.Count == 0 && _stopping)
                {
                    _finished = _requested;
                    _stopped = true;
                    Monitor.PulseAll(_gate);
                    return;
                }
                (_queued, _round) = (_round, _queued);
                (_after, _roundAfter) = (_roundAfter, _after);
                target = _requested;
                stopping = _stopping;
            }
            bool failed = RunRound(stopping);
            foreach (var then in _roundAfter) Guard("finishing a deleted stream", then);
            _roundAfter.Clear();
            lock (_gate)
            {
                _finished = target;
                Monitor.PulseAll(_gate);
            }
            if (failed && !stopping) Thread.Sleep(FailureRetryDelay);
        }
    }

    /// <summary>One round over the logs taken; true when a write or fsync failed (those logs are retried).</summary>
    private bool RunRound(bool stopping)
    {
        _roundNumber++;
        long started = Stopwatch.GetTimestamp();
        foreach (var log in _round)
        {
            if (log.TakenInRound == _roundNumber) continue;
            log.TakenInRound = _roundNumber;
            if (log.TakeBatch()) _written.Add(log);
        }
        _round.Clear();
        if (_written.Count == 0) return false;
        bool failed = false;
        // Every log's writes first, then every fsync: the disk sees the whole round before the first sync.
        for (int i = _written.Count - 1; i >= 0; i--)
        {
            if (Attempt(_written[i], static log => log.WriteBatch(), stopping)) continue;
            _written.RemoveAt(i);
            failed = true;
        }
        for (int i = _written.Count - 1; i >= 0; i--)
        {
            if (Attempt(_written[i], static log => log.SyncBatch(), stopping)) continue;
            _written.RemoveAt(i);
            failed = true;
        }
        if (_written.Count > 0)
        {
            _fsyncLatency?.Observe(Stopwatch.GetElapsedTime(started));
            Interlocked.Increment(ref _fsyncs);
        }
        foreach (var log in _written) Guard(log, static (log, fault) => log.CompleteBatch(fault));
        _written.Clear();
        return failed;
    }

    /// <summary>Runs a write step; on failure nothing of the log's round is confirmed and, unless stopping, it is retried.</summary>
    private bool Attempt(SegmentStreamLog log, Action<SegmentStreamLog> step, bool stopping)
    {
        try
        {
            step(log);
            return true;
        }
        catch (Exception e)
        {
            _fault($"stream writer: writing {log}", e);
            // Shutting down with a failing disk: what is left was never confirmed, so dropping it breaks no promise.
            if (!stopping) log.AbortBatch();
            return false;
        }
    }

    private void Guard(SegmentStreamLog log, Action<SegmentStreamLog, Action<string, Exception>> action)
    {
        try
        {
            action(log, _fault);
        }
        catch (Exception e)
        {
            _fault($"stream writer: completing {log}", e);
        }
    }

    private void Guard(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _fault($"stream writer: {what}", e);
        }
    }

    /// <summary>Finishes everything queued, then ends the thread.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
    }
}
