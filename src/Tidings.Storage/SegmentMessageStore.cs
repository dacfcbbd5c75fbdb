using System.Security.Cryptography;
using System.Text;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Storage;
using Tidings.Storage.Records;

namespace Tidings.Storage;

/// <summary>
/// The broker's durable message store: one <see cref="SegmentLog"/> per durable queue under
/// <c>{data}/msgs/{queue id}/</c>, all written by one <see cref="GroupCommitter"/>, so one fsync
/// round covers every queue's writes since the last one.
/// </summary>
public sealed class SegmentMessageStore : IMessageStore, IAsyncDisposable
{
    /// <summary>Segment file size: large enough to amortise file creation, small enough to free space soon.</summary>
    public const long DefaultSegmentSize = 64L * 1024 * 1024;

    private readonly string _directory;
    private readonly long _segmentSize;
    private readonly GroupCommitter _committer;
    private readonly Action<string>? _report;

    /// <param name="directory">Root of the message store, e.g. {data}/msgs.</param>
    /// <param name="fsyncLatency">Where each fsync round's duration is recorded (Broker.StoreFsyncLatency).</param>
    /// <param name="report">Told about every problem recovery finds (for the log).</param>
    /// <param name="segmentSize">Size at which a queue's log starts a new segment file.</param>
    /// <param name="reserveBytes">Free space writes must leave on the disk (the disk alarm's limit); 0 = no check.</param>
    /// <param name="onDiskFull">Told true when writes wait for space and false when they flow again (the server's disk alarm).</param>
    /// <param name="compactionMinimumBytes">Smallest segment worth compacting; default a quarter segment; 0 disables.</param>
    /// <param name="faults">Where faults of the commit loop's callbacks are reported (Broker.Faults).</param>
    public SegmentMessageStore(string directory, LatencyHistogram? fsyncLatency = null, Action<string>? report = null,
        long segmentSize = DefaultSegmentSize, long reserveBytes = 0, Action<bool>? onDiskFull = null, long? compactionMinimumBytes = null,
        FaultLog? faults = null)
    {
        _directory = directory;
        _segmentSize = segmentSize;
        _report = report;
        Directory.CreateDirectory(directory);
        // Logs of queues deleted just before a crash: their messages are gone by definition.
        foreach (var leftover in Directory.EnumerateDirectories(directory, "*" + DeletedSuffix + "*"))
            Directory.Delete(leftover, recursive: true);
        Func<long>? freeBytes = reserveBytes > 0 ? () => new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace : null;
        // A segment a quarter full or more that is three-quarters dead gets compacted.
        _committer = new GroupCommitter(fsyncLatency, freeBytes, reserveBytes, onDiskFull, compactionMinimumBytes ?? segmentSize / 4, faults);
    }

    private const string DeletedSuffix = ".deleted-";

    /// <summary>Segments compacted so far.</summary>
    public long Compactions => _committer.Compactions;

    /// <summary>fsync rounds so far (group commit: usually far fewer than messages).</summary>
    public long Fsyncs => _committer.Fsyncs;

    /// <inheritdoc />
    public IQueueLog OpenQueue(string virtualHost, string queue, Action<Message, StoredMessage> recovered)
    {
        string directory = Path.Combine(_directory, QueueDirectoryName(virtualHost, queue));
        var log = SegmentLog.Open(directory, _segmentSize, (id, payload) =>
        {
            Message message;
            try
            {
                message = MessageRecord.Decode(payload);
            }
            catch (InvalidDataException e)
            {
                _report?.Invoke($"queue '{queue}' in vhost '{virtualHost}': record {id} holds no readable message ({e.Message}); skipped");
                return;
            }
            recovered(message, new StoredMessage { Id = id.Value });
        }, out var problems);
        foreach (var problem in problems) _report?.Invoke($"queue '{queue}' in vhost '{virtualHost}': {problem}");
        return new QueueLog(this, log, directory);
    }

    /// <summary>Writes what is queued, fsyncs, and stops the writer.</summary>
    public ValueTask DisposeAsync() => _committer.DisposeAsync();

    /// <summary>A stable directory name for a queue whatever characters its name holds.</summary>
    private static string QueueDirectoryName(string virtualHost, string queue) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(virtualHost + "\0" + queue)))[..32];

    private sealed class QueueLog(SegmentMessageStore store, SegmentLog log, string directory) : IQueueLog
    {
        /// <summary>The queue's handle, also carrying the caller's callback through the commit loop (one object per append).</summary>
        private sealed class PendingRecord(Action<object?> onDurable, object? state) : StoredMessage
        {
            public readonly Action<object?> OnDurable = onDurable;
            public readonly object? State = state;
        }

        private static readonly Action<RecordId, object?> Written = static (_, state) =>
        {
            var record = (PendingRecord)state!;
            record.OnDurable(record.State);
        };

        public StoredMessage Append(Message message, Action<object?> onDurable, object? state)
        {
            var handle = new PendingRecord(onDurable, state);
            // Encoded now, on the publisher's thread: the message may be reused once this returns.
            var committer = store._committer;
            var buffer = MessageRecord.Encode(message, committer.RecordBuffers, out int length);
            committer.AppendRented(log, buffer, length, Written, handle, handle);
            return handle;
        }

        public Message Read(StoredMessage message) => MessageRecord.Decode(log.Read(RecordId.FromValue(message.Id)));

        public void Remove(StoredMessage message) => store._committer.Remove(log, message);

        public void Delete()
        {
            // Step aside now, so a queue declared again under the same name gets a fresh log
            // while this one finishes its queued writes and is removed by the writer.
            string aside = directory + DeletedSuffix + Guid.NewGuid().ToString("N");
            log.MoveTo(aside);
            store._committer.Close(log, (_, _) =>
            {
                if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
            });
        }
    }
}
