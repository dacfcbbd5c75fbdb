using Tidings.Core.Messages;

namespace Tidings.Core.Storage;

/// <summary>
/// Where stream queues keep their logs. The core calls it; Tidings.Storage's stream store keeps
/// append-only segment files with a sparse index. Without one, streams live in memory
/// (<see cref="MemoryStreamLog"/>).
/// </summary>
public interface IStreamStore
{
    /// <summary>
    /// Opens (or creates) the log of a stream. A restart finds what the log held: its offsets,
    /// timestamps and stored consumer positions.
    /// </summary>
    IStreamLog OpenStream(string virtualHost, string stream, StreamRetention retention);
}

/// <summary>
/// How long a stream keeps its messages. Retention deletes whole segments only: a segment goes
/// when the stream without it is still over <see cref="MaxLengthBytes"/>, or when its newest
/// message is older than <see cref="MaxAge"/>. The segment being written is never deleted.
/// </summary>
/// <param name="MaxLengthBytes">x-max-length-bytes; null keeps any size.</param>
/// <param name="MaxAge">x-max-age; null keeps any age.</param>
/// <param name="MaxSegmentSizeBytes">x-stream-max-segment-size-bytes: the size at which a new segment starts.</param>
public readonly record struct StreamRetention(long? MaxLengthBytes, TimeSpan? MaxAge, long MaxSegmentSizeBytes)
{
    /// <summary>RabbitMQ's default segment size (500 MB).</summary>
    public const long DefaultMaxSegmentSizeBytes = 500_000_000;
}

/// <summary>One message of a stream with its place and time.</summary>
/// <param name="Offset">Its offset: 0 for the first message ever appended, one more for each after.</param>
/// <param name="TimestampMs">When it was appended (Unix ms).</param>
/// <param name="Message">The message, with its <c>x-stream-offset</c> header.</param>
public readonly record struct StreamEntry(long Offset, long TimestampMs, Message Message);

/// <summary>
/// The log of one stream: messages appended at consecutive offsets, read by any number of
/// cursors, removed only by retention. Thread-safe: appends, reads and retention may come from
/// different threads at once.
/// </summary>
public interface IStreamLog
{
    /// <summary>The oldest offset still kept (equal to <see cref="NextOffset"/> when the log is empty).</summary>
    long FirstOffset { get; }
    /// <summary>The offset the next append gets.</summary>
    long NextOffset { get; }
    /// <summary>Bytes the log takes on disk (or in memory), every segment counted.</summary>
    long SizeBytes { get; }
    /// <summary>How many segments the log has.</summary>
    int SegmentCount { get; }
    /// <summary>When the oldest kept message was appended (Unix ms); 0 when the log is empty.</summary>
    long FirstTimestampMs { get; }

    /// <summary>
    /// Appends a message at <see cref="NextOffset"/> and returns that offset. The message is
    /// readable by cursors once this returns; <paramref name="onDurable"/> runs once it is on disk
    /// (fsync'd), which is when a publisher confirm may be sent. The message may be reused by the
    /// caller after this returns (it is encoded before).
    /// </summary>
    long Append(Message message, long timestampMs, Action<object?> onDurable, object? state);

    /// <summary>
    /// The first offset whose message was appended at or after <paramref name="timestampMs"/>
    /// (Unix ms), found through the sparse index; <see cref="NextOffset"/> when none was.
    /// </summary>
    long OffsetAt(long timestampMs);

    /// <summary>
    /// A reader starting at <paramref name="offset"/> (clamped into FirstOffset..NextOffset).
    /// A cursor reads in bounded memory however long the log is. Dispose it when done.
    /// </summary>
    IStreamCursor OpenCursor(long offset);

    /// <summary>Applies the retention to closed segments as of <paramref name="nowMs"/>; returns how many segments were deleted.</summary>
    int ApplyRetention(long nowMs);

    /// <summary>The stored consumer positions: name → the next offset that consumer reads.</summary>
    IReadOnlyDictionary<string, long> Positions { get; }

    /// <summary>One consumer's stored position (the next offset it reads); -1 when none is stored. Copies nothing.</summary>
    long PositionOf(string consumer);

    /// <summary>
    /// Stores a named consumer's position (the next offset it reads). Survives a kill -9 of the
    /// process once this returns (written to the file, not necessarily fsync'd).
    /// </summary>
    void StorePosition(string consumer, long nextOffset);

    /// <summary>Forgets a stored position; false when there was none.</summary>
    bool RemovePosition(string consumer);

    /// <summary>The stream was deleted: its files go.</summary>
    void Delete();

    /// <summary>Closes files without deleting anything (the broker stops).</summary>
    void Close();
}

/// <summary>A reader of a stream log at its own position.</summary>
public interface IStreamCursor : IDisposable
{
    /// <summary>The offset the next <see cref="TryRead"/> returns.</summary>
    long Offset { get; }

    /// <summary>
    /// Reads the message at <see cref="Offset"/> and moves past it; false at the end of what was
    /// appended so far (it may be called again later). If retention deleted the cursor's offset,
    /// it moves on to the oldest kept message first.
    /// </summary>
    bool TryRead(out StreamEntry entry);

    /// <summary>Moves the cursor to <paramref name="offset"/> (clamped into FirstOffset..NextOffset).</summary>
    void Seek(long offset);
}
