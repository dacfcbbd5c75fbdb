using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Tidings.Core;
using Tidings.Core.Storage;

namespace Tidings.Storage.Streams;

/// <summary>
/// The broker's stream store: one <see cref="SegmentStreamLog"/> per stream under
/// <c>{data}/streams/{stream id}/</c> (segment files, their sparse indexes, the consumers'
/// positions, and a <c>name</c> file saying which stream it is), all written by one
/// <see cref="StreamWriterLoop"/>, so one round covers every stream's appends since the last.
/// </summary>
public sealed class SegmentStreamStore : IStreamStore, IAsyncDisposable
{
    internal const string DeletedSuffix = ".deleted-";
    internal const string PositionsFile = "positions";
    private const string NameFile = "name";

    private readonly string _directory;
    private readonly Action<string>? _report;
    private readonly FaultLog? _faults;
    /// <summary>Logs open now, closed with the store.</summary>
    private readonly ConcurrentDictionary<SegmentStreamLog, byte> _open = new();
    private int _disposed;

    /// <param name="directory">Root of the stream store, e.g. {data}/streams.</param>
    /// <param name="fsyncLatency">Where each write round's duration is recorded (Broker.StoreFsyncLatency).</param>
    /// <param name="report">Told about every problem recovery or a reader finds (for the log).</param>
    /// <param name="faults">Where faults of the writer loop and its callbacks are reported (Broker.Faults).</param>
    public SegmentStreamStore(string directory, LatencyHistogram? fsyncLatency = null, Action<string>? report = null, FaultLog? faults = null)
    {
        _directory = directory;
        _report = report;
        _faults = faults;
        Directory.CreateDirectory(directory);
        // Streams deleted just before a crash: their messages are gone by definition.
        foreach (var leftover in Directory.EnumerateDirectories(directory, "*" + DeletedSuffix + "*"))
            Directory.Delete(leftover, recursive: true);
        Writer = new StreamWriterLoop(fsyncLatency, (where, error) => _faults?.Report(where, error));
    }

    internal StreamWriterLoop Writer { get; }

    /// <summary>Write rounds that fsynced something (group commit: usually far fewer than appends).</summary>
    public long Fsyncs => Writer.Fsyncs;

    /// <inheritdoc />
    public IStreamLog OpenStream(string virtualHost, string stream, StreamRetention retention)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (retention.MaxSegmentSizeBytes <= 0) throw new ArgumentOutOfRangeException(nameof(retention), "the segment size must be positive");
        string directory = Path.Combine(_directory, StreamDirectoryName(virtualHost, stream));
        Directory.CreateDirectory(directory);
        string nameFile = Path.Combine(directory, NameFile);
        // For people looking at the disk: the folder name is a hash.
        if (!File.Exists(nameFile)) File.WriteAllText(nameFile, $"vhost: {virtualHost}\nstream: {stream}\n");
        var log = SegmentStreamLog.Open(this, directory, $"'{stream}' in vhost '{virtualHost}'", retention);
        _open[log] = 0;
        return log;
    }

    internal void Report(string problem) => _report?.Invoke(problem);

    internal void Forget(SegmentStreamLog log) => _open.TryRemove(log, out _);

    /// <summary>A stable directory name for a stream whatever characters its name holds (as the message store names queues).</summary>
    private static string StreamDirectoryName(string virtualHost, string stream) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(virtualHost + "\0" + stream)))[..32];

    /// <summary>Writes and fsyncs everything appended, stops the writer, and closes every log's files.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        Writer.Stop();
        foreach (var log in _open.Keys) log.CloseFiles();
        return ValueTask.CompletedTask;
    }
}
