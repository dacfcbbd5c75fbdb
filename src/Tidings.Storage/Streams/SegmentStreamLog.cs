using System.Buffers;
using Tidings.Core.Messages;
using Tidings.Core.Storage;
using Tidings.Storage.Records;

namespace Tidings.Storage.Streams;

/// <summary>
/// The log of one stream on disk: segment files named by their first offset, each with a sparse
/// index, plus the consumers' positions. Appends are encoded on the caller's thread and get their
/// offset under a short lock; the store's one <see cref="StreamWriterLoop"/> writes and fsyncs
/// them later. Until then the records stay in memory (<see cref="StreamChunk"/>) where cursors
/// read them, so a record is readable the moment <see cref="Append"/> returns.
/// </summary>
/// <remarks>
/// This file holds the state and the append path; the writer's side is in
/// <c>SegmentStreamLog.Writing.cs</c>, opening in <c>.Recovery.cs</c>, retention in
/// <c>.Retention.cs</c>, and what cursors need in <c>.Reading.cs</c>.
/// </remarks>
internal sealed partial class SegmentStreamLog : IStreamLog
{
    /// <summary>A publisher's confirm, run once its record is on disk.</summary>
    private readonly record struct Durable(Action<object?> Callback, object? State);

    /// <summary>Guards every field below that is not marked otherwise, and each segment's and chunk's mutable state.</summary>
    private readonly Lock _lock = new();
    private readonly SegmentStreamStore _store;
    private readonly StreamWriterLoop _writer;
    /// <summary>For reports: "vhost/stream".</summary>
    private readonly string _name;
    private readonly StreamRetention _retention;
    /// <summary>Where the files are; changes only when the stream is deleted (moved aside).</summary>
    private string _directory;
    /// <summary>Every segment, oldest first; the last is the one appended to (never empty).</summary>
    private readonly List<StreamSegment> _segments;
    /// <summary>The offset the next append gets.</summary>
    private long _nextOffset;
    /// <summary>Bytes of all segments, written or not.</summary>
    private long _sizeBytes;
    /// <summary>Records not yet on disk, in log order; removed by the writer once fsynced.</summary>
    private readonly List<StreamChunk> _chunks = [];
    /// <summary>The chunk appends go to; null when the writer took it (the next append starts a new one).</summary>
    private StreamChunk? _current;
    /// <summary>Confirms of records in <see cref="_chunks"/> not yet taken by the writer.</summary>
    private List<Durable> _confirms = [];
    /// <summary>Segments appended to no more but not yet all on disk: sealed by the writer once they are.</summary>
    private readonly List<StreamSegment> _rolledOver = [];
    /// <summary>True while the writer has this log queued for its next round (so an append wakes it once, not every time).</summary>
    private bool _scheduled;
    /// <summary>Set by Close and Delete: no more appends.</summary>
    private bool _closed;
    private readonly StreamPositions _positions;

    private SegmentStreamLog(SegmentStreamStore store, string directory, string name, StreamRetention retention,
        List<StreamSegment> segments, StreamPositions positions)
    {
        _store = store;
        _writer = store.Writer;
        _directory = directory;
        _name = name;
        _retention = retention;
        _segments = segments;
        _positions = positions;
        _nextOffset = segments[^1].EndOffset;
        foreach (var segment in segments) _sizeBytes += segment.Length;
    }

    public long FirstOffset { get { lock (_lock) return _segments[0].Records == 0 && _segments.Count == 1 ? _nextOffset : _segments[0].BaseOffset; } }

    public long NextOffset { get { lock (_lock) return _nextOffset; } }

    /// <summary>The next offset read without the lock (a 64-bit read is atomic): never ahead of the records readers can find.</summary>
    internal long PublishedNextOffset => Volatile.Read(ref _nextOffset);

    public long SizeBytes { get { lock (_lock) return _sizeBytes; } }

    public int SegmentCount { get { lock (_lock) return _segments.Count; } }

    public long FirstTimestampMs
    {
        get
        {
            lock (_lock)
            {
                foreach (var segment in _segments)
                    if (segment.Records > 0) return segment.FirstTimestampMs;
                return 0;
            }
        }
    }

    public IReadOnlyDictionary<string, long> Positions => _positions.Snapshot();

    public long PositionOf(string consumer) => _positions.Find(consumer);

    public void StorePosition(string consumer, long nextOffset) => _positions.Store(consumer, nextOffset);

    public bool RemovePosition(string consumer) => _positions.Remove(consumer);

    /// <summary>Consumer-position file rewrites so far (tests).</summary>
    internal int PositionCompactions => _positions.Compactions;

    public long Append(Message message, long timestampMs, Action<object?> onDurable, object? state)
    {
        ArgumentNullException.ThrowIfNull(onDurable);
        // Encoded here, outside the lock: the lock only numbers the record and copies it in.
        var encoded = MessageRecord.Encode(message, ArrayPool<byte>.Shared, out int messageLength);
        int size = StreamRecord.Overhead + messageLength;
        if (size > RecordFormat.MaxPayload) throw new ArgumentException($"message of {messageLength} bytes is too large for a stream record", nameof(message));
        long offset;
        bool wake;
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                var segment = _segments[^1];
                if (segment.Length > 0 && segment.Length + size > _retention.MaxSegmentSizeBytes) segment = RollOverLocked();
                var chunk = _current;
                if (chunk is null || chunk.Segment != segment || !chunk.HasRoomFor(size))
                {
                    if (chunk is not null) chunk.Sealed = true;
                    chunk = _current = new StreamChunk(segment, segment.Length, size);
                    _chunks.Add(chunk);
                }
                offset = _nextOffset;
                StreamRecord.Write(chunk.Buffer.AsSpan(chunk.Length, size), offset, timestampMs, encoded.AsSpan(0, messageLength));
                chunk.Length += size;
                segment.Note(offset, timestampMs, size);
                _sizeBytes += size;
                _confirms.Add(new Durable(onDurable, state));
                wake = !_scheduled;
                _scheduled = true;
                // Last, with release semantics: a cursor that sees the new offset without the lock sees the record too.
                Volatile.Write(ref _nextOffset, offset + 1);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
        if (wake) _writer.Schedule(this);
        return offset;
    }

    /// <summary>Starts the next segment at the next offset (caller holds the lock). Its file is created by the writer with its first write.</summary>
    private StreamSegment RollOverLocked()
    {
        _rolledOver.Add(_segments[^1]);
        var next = new StreamSegment(_directory, _nextOffset);
        _segments.Add(next);
        return next;
    }

    public IStreamCursor OpenCursor(long offset)
    {
        var cursor = new StreamCursor(this);
        cursor.Seek(offset);
        return cursor;
    }

    public void Close()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
        }
        // What was appended is written and fsynced before the files close.
        _writer.Flush(this);
        CloseFiles();
    }

    public void Delete()
    {
        string aside = _directory + SegmentStreamStore.DeletedSuffix + Guid.NewGuid().ToString("N");
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            // Step aside now, so a stream declared again under the same name starts a fresh log
            // while this one's queued writes finish (open handles follow the rename).
            Directory.Move(_directory, aside);
            _directory = aside;
            foreach (var segment in _segments) segment.MovedTo(aside);
            _positions.MovedTo(Path.Combine(aside, SegmentStreamStore.PositionsFile));
        }
        _writer.Retire(this, () =>
        {
            CloseFiles();
            foreach (var segment in Segments()) segment.Deleted = true;
            if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
        });
    }

    /// <summary>Closes every file handle (the log is closed or the store disposed).</summary>
    internal void CloseFiles()
    {
        lock (_lock) _closed = true;
        foreach (var segment in Segments()) segment.CloseHandles();
        _positions.Dispose();
        _store.Forget(this);
    }

    private StreamSegment[] Segments()
    {
        lock (_lock) return [.. _segments];
    }

    public override string ToString() => $"stream log {_name}";
}
