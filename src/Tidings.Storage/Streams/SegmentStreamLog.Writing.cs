namespace Tidings.Storage.Streams;

/// <summary>
/// The writer loop's side of a stream log. A round takes what was appended (<see cref="TakeBatch"/>),
/// writes it with one positional gather-write per segment (<see cref="WriteBatch"/>), fsyncs
/// (<see cref="SyncBatch"/>), then drops the in-memory copies and runs the confirms
/// (<see cref="CompleteBatch"/>). Only the writer thread calls these, one round at a time.
/// </summary>
internal sealed partial class SegmentStreamLog
{
    /// <summary>New sparse-index entries of one segment to append to its .idx file.</summary>
    private readonly record struct IndexWrite(StreamSegment Segment, byte[] Bytes, int EntriesAfter);

    // Writer-only state of the round in progress.
    /// <summary>The chunks taken this round (they stay in <see cref="_chunks"/> too, for cursors, until on disk).</summary>
    private readonly List<StreamChunk> _writing = [];
    /// <summary>Confirms of this round's records; swapped with <see cref="_confirms"/> so appends never wait for them.</summary>
    private List<Durable> _confirming = [];
    private readonly List<IndexWrite> _indexWrites = [];
    /// <summary>Segments written this round: each is fsynced once.</summary>
    private readonly List<StreamSegment> _synced = [];
    /// <summary>A segment file was created this round: the folder is fsynced too, or the file could vanish with a crash.</summary>
    private bool _createdFile;
    /// <summary>The last round that took this log, so a log queued twice in one round is taken once.</summary>
    internal long TakenInRound = -1;
    /// <summary>Scratch list for the gather write.</summary>
    private readonly List<ReadOnlyMemory<byte>> _gather = [];

    /// <summary>Takes everything appended so far for this round; false when there is nothing.</summary>
    internal bool TakeBatch()
    {
        lock (_lock)
        {
            _scheduled = false;
            if (_chunks.Count == 0) return false;
            if (_current is not null) _current.Sealed = true;
            _current = null;
            _writing.AddRange(_chunks);
            (_confirms, _confirming) = (_confirming, _confirms);
            StreamSegment? last = null;
            foreach (var chunk in _writing)
            {
                if (chunk.Segment == last) continue;
                last = chunk.Segment;
                int from = last.IndexPersisted, to = last.Index.Count;
                if (to <= from) continue;
                var bytes = new byte[(to - from) * StreamIndexEntry.Size];
                for (int i = from; i < to; i++) last.Index[i].Write(bytes.AsSpan((i - from) * StreamIndexEntry.Size));
                _indexWrites.Add(new IndexWrite(last, bytes, to));
            }
            return true;
        }
    }

    /// <summary>Writes the taken chunks (one gather-write per segment) and their index entries.</summary>
    internal void WriteBatch()
    {
        int i = 0;
        while (i < _writing.Count)
        {
            var segment = _writing[i].Segment;
            long position = _writing[i].FilePosition;
            _gather.Clear();
            for (; i < _writing.Count && _writing[i].Segment == segment; i++) _gather.Add(_writing[i].Buffer.AsMemory(0, _writing[i].Length));
            if (segment.WriteHandle is null)
            {
                _createdFile |= !File.Exists(segment.SegmentPath);
                segment.WriteHandle = File.OpenHandle(segment.SegmentPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            }
            // Positional: a round retried after a failed write writes the same bytes at the same place.
            RandomAccess.Write(segment.WriteHandle, _gather, position);
            _synced.Add(segment);
        }
        _gather.Clear();
        foreach (var write in _indexWrites)
        {
            var segment = write.Segment;
            segment.IndexWriteHandle ??= File.OpenHandle(segment.IndexPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            RandomAccess.Write(segment.IndexWriteHandle, write.Bytes, (long)segment.IndexPersisted * StreamIndexEntry.Size);
        }
    }

    /// <summary>fsyncs every segment written this round (the index is not synced: it is rebuilt when found short or damaged).</summary>
    internal void SyncBatch()
    {
        foreach (var segment in _synced) RandomAccess.FlushToDisk(segment.WriteHandle!);
        if (_createdFile) DirectorySync.Fsync(_directory);
        _createdFile = false;
    }

    /// <summary>
    /// The round's records are on disk: cursors read them from the file from now on, the memory
    /// goes back to the pool, segments appended to no more are sealed (and retention runs, as a
    /// rollover may have put the stream over its limits), then the confirms run.
    /// </summary>
    internal void CompleteBatch(Action<string, Exception> fault)
    {
        foreach (var write in _indexWrites) write.Segment.IndexPersisted = write.EntriesAfter;
        _indexWrites.Clear();
        bool sealedAny = false;
        lock (_lock)
        {
            foreach (var chunk in _writing) chunk.Segment.WrittenLength = chunk.FilePosition + chunk.Length;
            _chunks.RemoveRange(0, _writing.Count);
            for (int i = _rolledOver.Count - 1; i >= 0; i--)
            {
                var segment = _rolledOver[i];
                if (segment.WrittenLength != segment.Length) continue;
                _rolledOver.RemoveAt(i);
                segment.CloseWriteHandles();
                segment.Sealed = true;
                sealedAny = true;
            }
        }
        // Cursors copy out of a chunk under the lock, so none is reading these any more.
        foreach (var chunk in _writing) chunk.Release();
        _writing.Clear();
        _synced.Clear();
        foreach (var (callback, state) in _confirming)
        {
            // One failing confirm must not keep back the others, nor stop the loop every stream depends on.
            try
            {
                callback(state);
            }
            catch (Exception e)
            {
                fault($"stream {_name}: confirm callback", e);
            }
        }
        _confirming.Clear();
        if (sealedAny) ApplyRetention(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// A write or fsync failed: nothing of this round is confirmed. The chunks are still in
    /// <see cref="_chunks"/>; the confirms go back in front, and the next round writes it all again.
    /// </summary>
    internal void AbortBatch()
    {
        _indexWrites.Clear();
        _synced.Clear();
        _writing.Clear();
        lock (_lock)
        {
            _confirms.InsertRange(0, _confirming);
            _confirming.Clear();
            _scheduled = true;
        }
        _writer.Schedule(this);
    }
}
