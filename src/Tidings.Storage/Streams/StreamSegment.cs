using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Tidings.Storage.Streams;

/// <summary>
/// One segment file of a stream log (<c>{first offset:D20}.seg</c>) with its sparse index
/// (<c>.idx</c>). Appenders grow <see cref="Length"/> and the index under the log's lock; the
/// writer loop moves <see cref="WrittenLength"/> up once bytes are in the file; cursors read
/// below <see cref="WrittenLength"/> without the lock.
/// </summary>
internal sealed class StreamSegment
{
    public StreamSegment(string directory, long baseOffset)
    {
        BaseOffset = baseOffset;
        SegmentPath = Path.Combine(directory, FileName(baseOffset, ".seg"));
        IndexPath = Path.Combine(directory, FileName(baseOffset, ".idx"));
    }

    public static string FileName(long baseOffset, string extension) =>
        baseOffset.ToString("D20", CultureInfo.InvariantCulture) + extension;

    /// <summary>The offset of the segment's first record (its name).</summary>
    public readonly long BaseOffset;
    /// <summary>Where the file is; changes only when the stream is moved aside for deletion (under the log's lock).</summary>
    public string SegmentPath;
    public string IndexPath;

    /// <summary>Bytes of records appended to the segment, written or not (log lock).</summary>
    public long Length;
    /// <summary>Bytes already in the file: readable there by anyone (set by the writer under the log lock, read without it).</summary>
    private long _writtenLength;
    public long WrittenLength
    {
        get => Volatile.Read(ref _writtenLength);
        set => Volatile.Write(ref _writtenLength, value);
    }
    /// <summary>Records in the segment (log lock).</summary>
    public long Records;
    /// <summary>Timestamps of the first and last record; 0 while empty (log lock).</summary>
    public long FirstTimestampMs;
    public long LastTimestampMs;
    /// <summary>The sparse index, in offset order (log lock; entries are never changed once added).</summary>
    public readonly List<StreamIndexEntry> Index = [];
    /// <summary>How many of <see cref="Index"/>'s entries the .idx file holds (writer loop only, or recovery).</summary>
    public int IndexPersisted;
    /// <summary>Position of the last index entry, to space the next one (log lock).</summary>
    private long _lastIndexed = -1;

    /// <summary>
    /// Set by the writer once the segment is no longer appended to and all of it is fsynced (or
    /// when recovery finds it closed): only then may retention delete it.
    /// </summary>
    public volatile bool Sealed;

    /// <summary>Set once retention or deletion removed the files; cursors on it move on (read without the lock).</summary>
    public volatile bool Deleted;

    /// <summary>A cursor found a damaged record and it was reported (once is enough).</summary>
    public volatile bool DamageReported;

    /// <summary>Opened by the writer loop on its first write; closed when the segment is no longer appended to (writer only).</summary>
    public SafeFileHandle? WriteHandle;
    public SafeFileHandle? IndexWriteHandle;
    /// <summary>Shared by every cursor (pread is positional, so one handle serves all threads); opened on the first read.</summary>
    private SafeFileHandle? _readHandle;

    /// <summary>The offset after the segment's last record.</summary>
    public long EndOffset => BaseOffset + Records;

    /// <summary>Accounts for one record at <see cref="Length"/> (log lock, or recovery before the log is shared).</summary>
    public void Note(long offset, long timestampMs, long size)
    {
        if (_lastIndexed < 0 || Length - _lastIndexed >= StreamIndexEntry.Spacing)
        {
            Index.Add(new StreamIndexEntry(offset, timestampMs, Length));
            _lastIndexed = Length;
        }
        if (Records == 0) FirstTimestampMs = timestampMs;
        LastTimestampMs = timestampMs;
        Records++;
        Length += size;
    }

    /// <summary>Adopts index entries loaded from the .idx file before the rest is scanned (recovery only).</summary>
    public void AdoptIndex(IReadOnlyList<StreamIndexEntry> entries)
    {
        Index.AddRange(entries);
        IndexPersisted = entries.Count;
        if (entries.Count > 0) _lastIndexed = entries[^1].Position;
    }

    /// <summary>The handle cursors read through.</summary>
    public SafeFileHandle ReadHandle()
    {
        var handle = Volatile.Read(ref _readHandle);
        if (handle is not null) return handle;
        var opened = File.OpenHandle(SegmentPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var raced = Interlocked.CompareExchange(ref _readHandle, opened, null);
        if (raced is null) return opened;
        opened.Dispose();
        return raced;
    }

    /// <summary>The index entry at or before <paramref name="offset"/> (binary search; log lock).</summary>
    public StreamIndexEntry EntryAtOrBefore(long offset)
    {
        int low = 0, high = Index.Count - 1, found = 0;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (Index[middle].Offset <= offset) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        return Index.Count == 0 ? new StreamIndexEntry(BaseOffset, 0, 0) : Index[found];
    }

    /// <summary>The last index entry whose timestamp is before <paramref name="timestampMs"/>, or the first entry (log lock).</summary>
    public StreamIndexEntry EntryBefore(long timestampMs)
    {
        var result = Index.Count == 0 ? new StreamIndexEntry(BaseOffset, 0, 0) : Index[0];
        int low = 0, high = Index.Count - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (Index[middle].TimestampMs < timestampMs) { result = Index[middle]; low = middle + 1; }
            else high = middle - 1;
        }
        return result;
    }

    /// <summary>Closes the writer's handles (writer loop, or when the log closes).</summary>
    public void CloseWriteHandles()
    {
        WriteHandle?.Dispose();
        WriteHandle = null;
        IndexWriteHandle?.Dispose();
        IndexWriteHandle = null;
    }

    /// <summary>Closes every handle; a read in progress finishes first (SafeHandle counts its users).</summary>
    public void CloseHandles()
    {
        CloseWriteHandles();
        Interlocked.Exchange(ref _readHandle, null)?.Dispose();
    }

    /// <summary>Follows the stream's folder when it is moved aside for deletion (log lock).</summary>
    public void MovedTo(string directory)
    {
        SegmentPath = Path.Combine(directory, Path.GetFileName(SegmentPath));
        IndexPath = Path.Combine(directory, Path.GetFileName(IndexPath));
    }

    /// <summary>Removes the files (retention or deletion).</summary>
    public void DeleteFiles()
    {
        Deleted = true;
        CloseHandles();
        File.Delete(SegmentPath);
        File.Delete(IndexPath);
    }
}
