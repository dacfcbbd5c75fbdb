using System.Diagnostics;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// The retained messages of one virtual host, indexed by a topic-level trie so a lookup walks only
/// the levels its filter can match (an exact filter is one path; <c>+</c> one level's children;
/// <c>#</c> one subtree). Durable when <see cref="RetainedStoreOptions.Directory"/> is set: every
/// change is appended to a CRC'd log (<see cref="RetainedLog"/>) and the task of
/// <see cref="SetAsync"/>/<see cref="ClearAsync"/> completes only once it is fsynced, so a QoS ≥ 1
/// PUBACK sent after it is honest. Thread-safe: writers are serialised by one short lock; lookups
/// take no lock and stream (<see cref="Match"/>).
/// <para>
/// A change is visible to lookups as soon as it is made, before it is durable: a subscriber may see
/// a retained message whose publisher has not had its PUBACK yet, which MQTT allows (the publisher
/// resends it if the broker dies first).
/// </para>
/// </summary>
public sealed class RetainedStore : IDisposable
{
    // Serialises writers (trie shape, entries, counters) and guards the log's pending buffer.
    private readonly object _gate = new();
    // Limits, clock and directory (fixed).
    private readonly RetainedStoreOptions _options;
    // The trie's root: it stands for "before the first level" and never holds an entry (fixed).
    private readonly RetainedNode _root = new(null, "");
    // The log; null in memory mode (fixed).
    private readonly RetainedLog? _log;
    // Topics with an entry, and the sum of their sizes (written under _gate; read with Volatile).
    private int _count;
    private long _totalBytes;
    // True after Dispose (under _gate).
    private bool _disposed;

    /// <summary>Opens the store: replays its log when <see cref="RetainedStoreOptions.Directory"/> is set, else starts empty in memory.</summary>
    /// <exception cref="IOException">The folder or log cannot be opened (damage inside the log is not an error: see <see cref="Recovery"/>).</exception>
    public RetainedStore(RetainedStoreOptions? options = null)
    {
        _options = options ?? new RetainedStoreOptions();
        if (_options.Directory is null)
        {
            Recovery = RetainedRecoveryReport.Empty;
            return;
        }

        _log = RetainedLog.Open(_gate, _options, _options.TimeProvider.GetUtcNow(), SnapshotLocked, out var recovered, out var report);
        Recovery = report;
        foreach (var (topic, (message, recordBytes)) in recovered)
        {
            var node = _root;
            foreach (var level in topic.Split('/'))
            {
                node = node.GetOrAddChild(level);
            }

            node.Entry = new RetainedEntry(message, recordBytes, message.Size);
            _count++;
            _totalBytes += message.Size;
        }

        AssertInvariants();
    }

    /// <summary>What opening the log found (always <see cref="RetainedRecoveryReport.Empty"/> in memory).</summary>
    public RetainedRecoveryReport Recovery { get; }

    /// <summary>True when changes are written to disk.</summary>
    public bool IsDurable => _log is not null;

    /// <summary>Topics with a retained message (expired ones count until a lookup meets them).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Sum of <see cref="RetainedMessage.Size"/> over the retained messages.</summary>
    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    /// <summary>Log rewrites since open (0 in memory).</summary>
    public long Compactions => _log?.Compactions ?? 0;

    /// <summary>The clock the store uses for expiry; the adapter uses the same one for <see cref="RetainedMessage.StoredAt"/>.</summary>
    public TimeProvider TimeProvider => _options.TimeProvider;

    /// <summary>
    /// Retains <paramref name="message"/> for its topic, replacing what was there; an empty payload
    /// clears the topic instead (MQTT: a retained PUBLISH with no payload deletes and is not stored).
    /// Completes once the change is durable (at once in memory, or when refused). A refusal leaves
    /// the previous message in place and says why; the store never drops a retain silently.
    /// </summary>
    public ValueTask<RetainResult> SetAsync(RetainedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Payload.IsEmpty)
        {
            return ClearAsync(message.Topic);
        }

        if (!MqttTopicName.IsValid(message.Topic))
        {
            return ValueTask.FromResult(RetainResult.InvalidTopic);
        }

        long size = message.Size;
        if (size > _options.MaxMessageBytes)
        {
            return ValueTask.FromResult(RetainResult.MessageTooLarge);
        }

        var levels = message.Topic.Split('/');
        RetainResult result;
        Task? durable = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.FromResult(RetainResult.StoreFailed);
            }

            var existing = Find(levels)?.Entry;
            bool live = existing is not null && !existing.Message.IsExpired(_options.TimeProvider.GetUtcNow());
            if (existing is null && _count >= _options.MaxCount)
            {
                return ValueTask.FromResult(RetainResult.CountLimitReached);
            }

            if (_totalBytes - (existing?.Size ?? 0) + size > _options.MaxTotalBytes)
            {
                return ValueTask.FromResult(RetainResult.TotalBytesLimitReached);
            }

            int recordBytes = 0;
            if (_log is not null)
            {
                durable = _log.AppendSet(message, existing?.RecordBytes ?? 0, out recordBytes);
            }

            var node = _root;
            foreach (var level in levels)
            {
                node = node.GetOrAddChild(level);
            }

            node.Entry = new RetainedEntry(message, recordBytes, size);
            _count += existing is null ? 1 : 0;
            _totalBytes += size - (existing?.Size ?? 0);
            result = live ? RetainResult.Replaced : RetainResult.Stored;
            AssertInvariants();
        }

        return durable is null ? ValueTask.FromResult(result) : AwaitDurable(durable, result);
    }

    /// <summary>Removes the retained message of <paramref name="topic"/> (a retained PUBLISH with an empty payload); completes once durable.</summary>
    public ValueTask<RetainResult> ClearAsync(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!MqttTopicName.IsValid(topic))
        {
            return ValueTask.FromResult(RetainResult.InvalidTopic);
        }

        var levels = topic.Split('/');
        Task? durable = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.FromResult(RetainResult.StoreFailed);
            }

            var node = Find(levels);
            if (node?.Entry is not { } existing)
            {
                return ValueTask.FromResult(RetainResult.NothingToClear);
            }

            durable = _log?.AppendClear(topic, existing.RecordBytes);
            RemoveLocked(node, existing);
            AssertInvariants();
        }

        return durable is null ? ValueTask.FromResult(RetainResult.Cleared) : AwaitDurable(durable, RetainResult.Cleared);
    }

    /// <summary>The live message retained for exactly <paramref name="topic"/>, or null (expired ones are dropped here).</summary>
    public RetainedMessage? Get(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var node = Find(topic.Split('/'));
        if (node?.Entry is not { } entry)
        {
            return null;
        }

        if (entry.Message.IsExpired(_options.TimeProvider.GetUtcNow()))
        {
            DropExpired(node, entry);
            return null;
        }

        return entry.Message;
    }

    /// <summary>
    /// The live retained messages whose topic matches <paramref name="filter"/> (a valid plain filter:
    /// a shared subscription gets no retained messages, and <c>$share/…</c> is not a filter here),
    /// each with its real topic name. The result streams: nothing is collected up front, so the
    /// adapter can keep the enumerator, send what the client's Receive Maximum allows, and resume.
    /// Concurrent changes may or may not be seen; every message yielded was retained at some point
    /// during the walk. Expired messages are skipped and dropped.
    /// </summary>
    /// <exception cref="ArgumentException">The filter is not a valid plain topic filter.</exception>
    public RetainedMatches Match(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!MqttTopicFilter.IsValidPlain(filter))
        {
            throw new ArgumentException($"'{filter}' is not a valid topic filter", nameof(filter));
        }

        return new RetainedMatches(this, filter.Split('/'));
    }

    /// <summary>Waits for pending changes to reach the disk and closes the log; later changes return <see cref="RetainResult.StoreFailed"/>. Lookups keep working.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _log?.Dispose();
    }

    /// <summary>The trie's root (for <see cref="RetainedMatchEnumerator"/>).</summary>
    internal RetainedNode Root => _root;

    /// <summary>Removes <paramref name="entry"/> from <paramref name="node"/> if it is still there; called by lookups that met it expired.</summary>
    internal void DropExpired(RetainedNode node, RetainedEntry entry)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(node.Entry, entry))
            {
                return;
            }

            _log?.Forget(entry.RecordBytes);
            RemoveLocked(node, entry);
            AssertInvariants();
        }
    }

    private static async ValueTask<RetainResult> AwaitDurable(Task durable, RetainResult result)
    {
        try
        {
            await durable.ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            return RetainResult.StoreFailed;
        }
    }

    private RetainedNode? Find(string[] levels)
    {
        var node = _root;
        foreach (var level in levels)
        {
            node = node.Child(level);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    // Caller holds _gate. Clears the entry and prunes levels left with nothing below them.
    private void RemoveLocked(RetainedNode node, RetainedEntry entry)
    {
        node.Entry = null;
        _count--;
        _totalBytes -= entry.Size;
        for (var at = node; at.Parent is { } parent && at.IsEmpty; at = parent)
        {
            parent.RemoveChild(at.Level);
        }
    }

    // Called by the log under _gate when it rewrites itself: every message in the trie. Expired ones
    // are kept so the log's byte counts stay exact; replay drops them by their stored expiry.
    private List<(RetainedMessage, int)> SnapshotLocked()
    {
        var live = new List<(RetainedMessage, int)>(_count);
        var stack = new Stack<RetainedNode>();
        stack.Push(_root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Entry is { } entry)
            {
                live.Add((entry.Message, entry.RecordBytes));
            }

            if (node.Children is { } children)
            {
                foreach (var child in children.Values)
                {
                    stack.Push(child);
                }
            }
        }

        return live;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        // Caller holds _gate. Cheap checks only: the counters never go negative, and the log counts
        // live records exactly when the store holds messages.
        Debug.Assert(_count >= 0 && _totalBytes >= 0, "retained counters went negative");
        Debug.Assert(_log is null || (_count == 0) == (_log.LiveBytes == 0), "the log's live bytes disagree with the store's count");
    }
}
