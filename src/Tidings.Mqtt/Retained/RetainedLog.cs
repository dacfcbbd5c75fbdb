using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// The durable half of a <see cref="RetainedStore"/>: one append-only file of set/clear records
/// (<see cref="RetainedRecordFormat"/>) per vhost folder, replayed at open and rewritten with only the
/// live messages when garbage outgrows them.
///
/// Group commit without a timer (the LavinMQ persister's shape): appends only encode into
/// <see cref="_pending"/> under the store's lock and join the current round; one loop on the thread
/// pool swaps the buffer out, writes it, fsyncs once and completes the round, so the more publishers
/// retain at once, the more records one fsync covers, and a lone publisher waits for one fsync only.
/// The loop is the only code that touches the file after open, so compaction needs no extra lock.
/// </summary>
internal sealed class RetainedLog : IDisposable
{
    /// <summary>The log's file name inside the vhost folder.</summary>
    public const string FileName = "retained.log";
    private const string TempFileName = "retained.log.tmp";

    // The store's lock: guards every field below except those marked loop-only.
    private readonly object _gate;
    // The folder holding the log (fixed).
    private readonly string _directory;
    // False skips fsync (fixed).
    private readonly bool _fsync;
    // Garbage must exceed this as well as the live bytes before a rewrite (fixed).
    private readonly long _compactionMinGarbage;
    // Called under _gate: the live messages with their record sizes, for a rewrite.
    private readonly Func<List<(RetainedMessage Message, int RecordBytes)>> _snapshot;
    // Records encoded but not yet handed to the loop (appends write here, under _gate).
    private ArrayBufferWriter<byte> _pending = new();
    // The buffer the loop is writing or will reuse; swapped with _pending by the loop under _gate.
    private ArrayBufferWriter<byte> _spare = new();
    // The round the next appends join; null when nothing is pending. Completed by the loop after its fsync.
    private TaskCompletionSource? _round;
    // True while the flush loop runs (set by the append that starts it, cleared by the loop).
    private bool _loopRunning;
    // True once Dispose began: appends are refused.
    private bool _disposed;
    // Bytes of the records that hold live messages, and of everything else in the file (+ pending).
    private long _liveBytes;
    private long _garbageBytes;
    // The open log (loop-only after open).
    private SafeFileHandle _handle;
    // Where the next write goes: the end of the last good write (loop-only after open).
    private long _fileLength;
    // Rewrites done since open (read by tests).
    private long _compactions;

    private RetainedLog(object gate, string directory, bool fsync, long compactionMinGarbage,
        Func<List<(RetainedMessage, int)>> snapshot, SafeFileHandle handle, long fileLength)
    {
        _gate = gate;
        _directory = directory;
        _fsync = fsync;
        _compactionMinGarbage = compactionMinGarbage;
        _snapshot = snapshot;
        _handle = handle;
        _fileLength = fileLength;
    }

    /// <summary>Rewrites since open.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

    /// <summary>Bytes of live records (caller holds the gate).</summary>
    public long LiveBytes => _liveBytes;

    /// <summary>Bytes of dead records (caller holds the gate).</summary>
    public long GarbageBytes => _garbageBytes;

    /// <summary>
    /// Opens (or creates) the log in the options' Directory, replays it into
    /// <paramref name="recovered"/> (messages already expired at <paramref name="now"/> are dropped)
    /// and rewrites it when it was damaged or mostly garbage, so appends always follow an intact record.
    /// </summary>
    public static RetainedLog Open(object gate, RetainedStoreOptions options, DateTimeOffset now,
        Func<List<(RetainedMessage, int)>> snapshot,
        out Dictionary<string, (RetainedMessage Message, int RecordBytes)> recovered, out RetainedRecoveryReport report)
    {
        string directory = options.Directory!;
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        File.Delete(Path.Combine(directory, TempFileName)); // a rewrite that never got renamed

        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        RetainedLog? log = null;
        try
        {
            recovered = new Dictionary<string, (RetainedMessage, int)>(StringComparer.Ordinal);
            var scan = Replay(handle, recovered);
            int expired = 0;
            foreach (var (topic, entry) in recovered)
            {
                if (entry.Message.IsExpired(now))
                {
                    recovered.Remove(topic);
                    expired++;
                }
            }

            log = new RetainedLog(gate, directory, options.Fsync, options.CompactionMinGarbageBytes, snapshot, handle, scan.End);
            foreach (var entry in recovered.Values)
            {
                log._liveBytes += entry.RecordBytes;
            }

            log._garbageBytes = scan.End - RetainedRecordFormat.FileHeader.Length - log._liveBytes;
            bool rewrite = scan.DamagedRegions > 0 || scan.End == 0 || log.ShouldCompact();
            if (rewrite)
            {
                var live = new List<(RetainedMessage, int)>(recovered.Count);
                foreach (var entry in recovered.Values)
                {
                    live.Add((entry.Message, entry.RecordBytes));
                }

                log.Rewrite(live);
                log._garbageBytes = 0;
            }

            report = new RetainedRecoveryReport(scan.Records, recovered.Count, expired, scan.DamagedRegions, scan.DamagedBytes, scan.TornTail,
                scan.DamagedRegions > 0 || (rewrite && scan.End != 0));
            return log;
        }
        catch
        {
            (log?._handle ?? handle).Dispose();
            throw;
        }
    }

    /// <summary>Appends a set record (caller holds the gate); the task completes once it is on disk.</summary>
    /// <param name="message">The message now live for its topic.</param>
    /// <param name="replacedRecordBytes">Record size of the message it replaces, 0 if none.</param>
    /// <param name="recordBytes">Size of the new record, to pass when it is replaced later.</param>
    public Task AppendSet(RetainedMessage message, int replacedRecordBytes, out int recordBytes)
    {
        if (_disposed)
        {
            recordBytes = 0;
            return Task.FromException(new ObjectDisposedException(nameof(RetainedStore)));
        }

        recordBytes = RetainedRecordFormat.WriteSet(_pending, message);
        _liveBytes += recordBytes - replacedRecordBytes;
        _garbageBytes += replacedRecordBytes;
        return JoinRound();
    }

    /// <summary>Appends a clear record (caller holds the gate); the task completes once it is on disk.</summary>
    public Task AppendClear(string topic, int removedRecordBytes)
    {
        if (_disposed)
        {
            return Task.FromException(new ObjectDisposedException(nameof(RetainedStore)));
        }

        int clearBytes = RetainedRecordFormat.WriteClear(_pending, topic);
        _liveBytes -= removedRecordBytes;
        _garbageBytes += removedRecordBytes + clearBytes;
        return JoinRound();
    }

    /// <summary>
    /// Notes that a live record died without a record of its own (its message expired; caller holds
    /// the gate). Replay drops it again by its stored expiry, so nothing needs writing.
    /// </summary>
    public void Forget(int recordBytes)
    {
        _liveBytes -= recordBytes;
        _garbageBytes += recordBytes;
    }

    /// <summary>Waits for pending records to reach the disk, then closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            while (_loopRunning)
            {
                Monitor.Wait(_gate);
            }
        }

        _handle.Dispose();
    }

    // Caller holds the gate.
    private bool ShouldCompact() => _garbageBytes > _liveBytes && _garbageBytes > _compactionMinGarbage;

    // Caller holds the gate.
    private Task JoinRound()
    {
        var round = _round ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_loopRunning)
        {
            _loopRunning = true;
            ThreadPool.UnsafeQueueUserWorkItem(static log => log.FlushLoop(), this, preferLocal: false);
        }

        return round.Task;
    }

    private void FlushLoop()
    {
        while (true)
        {
            ArrayBufferWriter<byte> batch;
            TaskCompletionSource round;
            List<(RetainedMessage, int)>? snapshot = null;
            lock (_gate)
            {
                if (_round is null)
                {
                    _loopRunning = false;
                    Monitor.PulseAll(_gate);
                    return;
                }

                round = _round;
                _round = null;
                batch = _pending;
                _pending = _spare;
                _spare = batch;
                if (ShouldCompact())
                {
                    // The snapshot already holds the effect of every record in this batch, so the
                    // rewritten file replaces the batch; records appended after this point go to it.
                    snapshot = _snapshot();
                    _garbageBytes = 0;
                }
            }

            try
            {
                if (snapshot is not null)
                {
                    Rewrite(snapshot);
                    Interlocked.Increment(ref _compactions);
                }
                else
                {
                    RandomAccess.Write(_handle, batch.WrittenSpan, _fileLength);
                    if (_fsync)
                    {
                        RandomAccess.FlushToDisk(_handle);
                    }

                    _fileLength += batch.WrittenCount;
                }

                round.TrySetResult();
            }
            catch (Exception e)
            {
                // _fileLength stays at the last good end, so the next round overwrites the partial
                // write; a leftover tail is stepped over by replay. The waiters learn of the failure.
                round.TrySetException(e);
            }

            batch.ResetWrittenCount();
        }
    }

    /// <summary>Writes <paramref name="live"/> to a temporary file, fsyncs it, renames it over the log and fsyncs the folder (loop-only, or open).</summary>
    private void Rewrite(List<(RetainedMessage Message, int RecordBytes)> live)
    {
        string temp = Path.Combine(_directory, TempFileName);
        string path = Path.Combine(_directory, FileName);
        long length;
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            file.Write(RetainedRecordFormat.FileHeader);
            var buffer = new ArrayBufferWriter<byte>();
            foreach (var (message, _) in live)
            {
                buffer.ResetWrittenCount();
                RetainedRecordFormat.WriteSet(buffer, message);
                file.Write(buffer.WrittenSpan);
            }

            file.Flush(_fsync);
            length = file.Length;
        }

        _handle.Dispose();
        bool renamed = false;
        try
        {
            File.Move(temp, path, overwrite: true);
            renamed = true;
            if (_fsync)
            {
                Tidings.Storage.DirectorySync.Fsync(_directory);
            }
        }
        finally
        {
            // Whatever failed, keep a handle on whichever file is now the log, so later rounds can
            // still append (the caller reports this round's failure to its waiters).
            _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            _fileLength = renamed ? length : RandomAccess.GetLength(_handle);
        }
    }

    private readonly record struct ReplayResult(long End, int Records, int DamagedRegions, long DamagedBytes, bool TornTail);

    /// <summary>
    /// Replays every intact record into <paramref name="state"/>. A damaged stretch (bad magic, length,
    /// CRC or body) is skipped up to the next offset where an intact record starts. End is the offset
    /// after the last intact record (0 for an empty file, so the caller writes the header).
    /// </summary>
    private static ReplayResult Replay(SafeFileHandle handle, Dictionary<string, (RetainedMessage, int)> state)
    {
        long length = RandomAccess.GetLength(handle);
        if (length == 0)
        {
            return new ReplayResult(0, 0, 0, 0, false);
        }

        var header = RetainedRecordFormat.FileHeader;
        Span<byte> fileHeader = stackalloc byte[header.Length];
        int headerRead = RandomAccess.Read(handle, fileHeader, 0);
        if (headerRead < header.Length || !fileHeader.SequenceEqual(header))
        {
            // Not our file (or its first write was torn): nothing in it can be trusted as records.
            return new ReplayResult(0, 0, 1, length, true);
        }

        var reader = new RecordReader(handle, length);
        long position = header.Length;
        long end = position;
        int records = 0, regions = 0;
        long damagedBytes = 0;
        bool tornTail = false;
        while (position < length)
        {
            if (reader.TryRead(position, out int recordLength, out string topic, out var message))
            {
                if (message is null)
                {
                    state.Remove(topic);
                }
                else
                {
                    state[topic] = (message, recordLength);
                }

                records++;
                position += recordLength;
                end = position;
                tornTail = false;
                continue;
            }

            long next = reader.FindNextRecord(position + 1);
            regions++;
            damagedBytes += next - position;
            tornTail = next == length;
            position = next;
        }

        return new ReplayResult(end, records, regions, damagedBytes, tornTail);
    }

    /// <summary>Reads records at given offsets of the log being replayed.</summary>
    private sealed class RecordReader(SafeFileHandle handle, long length)
    {
        // Reused body buffer, grown to the largest record seen.
        private byte[] _body = new byte[4096];

        /// <summary>True when an intact record starts at <paramref name="position"/>; gives its total size and content.</summary>
        public bool TryRead(long position, out int recordLength, out string topic, out RetainedMessage? message)
        {
            recordLength = 0;
            topic = "";
            message = null;
            Span<byte> header = stackalloc byte[RetainedRecordFormat.RecordHeaderSize];
            if (length - position < header.Length || RandomAccess.Read(handle, header, position) < header.Length)
            {
                return false;
            }

            long available = length - position - header.Length;
            if (!RetainedRecordFormat.TryReadHeader(header, available, out int bodyLength, out uint crc))
            {
                return false;
            }

            if (_body.Length < bodyLength)
            {
                _body = new byte[Math.Max(bodyLength, _body.Length * 2)];
            }

            var body = _body.AsSpan(0, bodyLength);
            if (RandomAccess.Read(handle, body, position + header.Length) < bodyLength
                || !RetainedRecordFormat.BodyIntact(body, crc)
                || !RetainedRecordFormat.TryDecode(body, out topic, out message))
            {
                return false;
            }

            recordLength = header.Length + bodyLength;
            return true;
        }

        /// <summary>The first offset at or after <paramref name="from"/> where an intact record starts, or the file length.</summary>
        public long FindNextRecord(long from)
        {
            var chunk = new byte[64 * 1024];
            var magic = "RETN"u8;
            long position = from;
            while (position < length)
            {
                int read = RandomAccess.Read(handle, chunk, position);
                if (read < magic.Length)
                {
                    break;
                }

                var span = chunk.AsSpan(0, read);
                int offset = 0;
                while (true)
                {
                    int hit = span[offset..].IndexOf(magic);
                    if (hit < 0)
                    {
                        break;
                    }

                    long candidate = position + offset + hit;
                    if (TryRead(candidate, out _, out _, out _))
                    {
                        return candidate;
                    }

                    offset += hit + 1;
                }

                // Step back so a magic split across two chunks is still seen.
                position += read - (magic.Length - 1);
            }

            return length;
        }
    }
}
