using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Tidings.Storage.Streams;

/// <summary>
/// The stored consumer positions of one stream, in its <c>positions</c> file: records framed by
/// <see cref="RecordFormat"/>, each a next offset (int64, -1 for a removal) and the consumer's
/// name (UTF-8). Every change is one write at the end of the file, no fsync: it survives the
/// process being killed, which is what a consumer restarting expects. On open the last record per
/// name wins; the file is rewritten with the live names only when it has grown well past them.
/// </summary>
internal sealed class StreamPositions : IDisposable
{
    /// <summary>The file is compacted beyond this size…</summary>
    public const long CompactionBytes = 1024 * 1024;
    /// <summary>…or once it holds this many records per live name (with a floor, so a single name is not rewritten every few stores).</summary>
    public const int CompactionRatio = 10;
    private const int CompactionFloor = 64;
    private const long Removed = -1;

    /// <summary>Guards everything below.</summary>
    private readonly Lock _lock = new();
    private string _path;
    private readonly Dictionary<string, long> _live = new(StringComparer.Ordinal);
    /// <summary>Open for appending; null once closed.</summary>
    private SafeFileHandle? _file;
    /// <summary>Where the next record goes.</summary>
    private long _length;
    /// <summary>Records in the file (live or superseded).</summary>
    private long _records;

    private StreamPositions(string path) => _path = path;

    /// <summary>Reads the file (a torn or damaged tail is cut and reported) and opens it for appending.</summary>
    public static StreamPositions Open(string path, Action<string> report)
    {
        AtomicFile.DropUnfinished(path);
        var positions = new StreamPositions(path);
        positions.Load(report);
        return positions;
    }

    private void Load(Action<string> report)
    {
        _file = File.OpenHandle(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        long fileLength = RandomAccess.GetLength(_file);
        var content = new byte[fileLength];
        RandomAccess.Read(_file, content, 0);
        int position = 0;
        while (position < content.Length)
        {
            var rest = content.AsSpan(position);
            if (rest.Length < RecordFormat.HeaderSize) break;
            var (length, crc) = RecordFormat.ReadHeader(rest);
            if (length < 8 || length > rest.Length - RecordFormat.HeaderSize) break;
            var payload = rest.Slice(RecordFormat.HeaderSize, length);
            if (RecordFormat.Checksum(payload) != crc) break;
            long next = BinaryPrimitives.ReadInt64BigEndian(payload);
            string name = Encoding.UTF8.GetString(payload[8..]);
            if (next == Removed) _live.Remove(name);
            else _live[name] = next;
            _records++;
            position += RecordFormat.HeaderSize + length;
        }
        if (position < content.Length)
        {
            // Only the last write can be torn (each is one write at the end); what follows a bad record is not trusted.
            report($"positions file {_path}: {content.Length - position} damaged bytes at {position} cut off");
            RandomAccess.SetLength(_file, position);
        }
        _length = position;
    }

    public IReadOnlyDictionary<string, long> Snapshot()
    {
        lock (_lock) return new Dictionary<string, long>(_live, StringComparer.Ordinal);
    }

    /// <summary>One name's position; -1 when none is stored.</summary>
    public long Find(string consumer)
    {
        lock (_lock) return _live.TryGetValue(consumer, out long next) ? next : -1;
    }

    public void Store(string consumer, long nextOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nextOffset);
        lock (_lock)
        {
            _live[consumer] = nextOffset;
            AppendLocked(consumer, nextOffset);
        }
    }

    public bool Remove(string consumer)
    {
        lock (_lock)
        {
            if (!_live.Remove(consumer)) return false;
            AppendLocked(consumer, Removed);
            return true;
        }
    }

    /// <summary>Writes one record (caller holds the lock), then compacts if the file outgrew its live names.</summary>
    private void AppendLocked(string consumer, long nextOffset)
    {
        var file = _file ?? throw new ObjectDisposedException(nameof(StreamPositions));
        var record = Encode(consumer, nextOffset);
        RandomAccess.Write(file, record, _length);
        _length += record.Length;
        _records++;
        if (_length > CompactionBytes || _records > CompactionRatio * Math.Max(_live.Count, CompactionFloor)) CompactLocked();
    }

    private static byte[] Encode(string consumer, long nextOffset)
    {
        int nameBytes = Encoding.UTF8.GetByteCount(consumer);
        var record = new byte[RecordFormat.HeaderSize + 8 + nameBytes];
        var payload = record.AsSpan(RecordFormat.HeaderSize);
        BinaryPrimitives.WriteInt64BigEndian(payload, nextOffset);
        Encoding.UTF8.GetBytes(consumer, payload[8..]);
        RecordFormat.WriteHeader(record, payload);
        return record;
    }

    /// <summary>Replaces the file with one record per live name (atomically: a crash leaves the old file or the new).</summary>
    private void CompactLocked()
    {
        using var content = new MemoryStream();
        foreach (var (name, next) in _live) content.Write(Encode(name, next));
        _file?.Dispose();
        AtomicFile.Replace(_path, content.GetBuffer().AsSpan(0, (int)content.Length));
        _file = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        _length = content.Length;
        _records = _live.Count;
        Compactions++;
    }

    /// <summary>Rewrites so far (tests).</summary>
    public int Compactions { get; private set; }

    /// <summary>Follows the stream's folder when it is moved aside for deletion.</summary>
    public void MovedTo(string path)
    {
        lock (_lock) _path = path;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
