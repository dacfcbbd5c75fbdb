using Tidings.Core.Messages;
using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>
/// The ready messages of a durable queue that lie behind its in-memory window. A persistent
/// message already written to the queue's log is kept here as 40 bytes (its log position, order,
/// expiry, size) and read back from disk when the window reaches it; anything not yet written,
/// or transient, stays an object until it can be paged. Order is the queue's order throughout.
/// Not thread-safe: the queue's lock guards it.
/// </summary>
internal sealed class PagedBacklog
{
    /// <summary>Where paged messages are read back from; set once the queue's log is open.</summary>
    public IQueueLog? Log { get; set; }

    /// <summary>One message behind the window: either on disk (Entry null) or still in memory.</summary>
    private readonly record struct Item(QueueEntry? Entry, ulong RecordId, long Sequence, long ExpiresAtMs, int Size, bool Redelivered);

    /// <summary>Messages in order; the front ones move into the window first.</summary>
    private readonly ChunkedQueue<Item> _items = new();
    /// <summary>Entries appended but not yet pageable (their write has not happened yet), in order after _items.</summary>
    private readonly EntryDeque _unwritten = new();

    public long Count => _items.Count + _unwritten.Count;

    public bool IsEmpty => Count == 0;

    /// <summary>Messages held as objects rather than as log positions (for tests and diagnostics).</summary>
    public long InMemory { get; private set; }

    /// <summary>Queues an entry behind everything already here, paging it out once its write is done.</summary>
    public void Append(QueueEntry entry)
    {
        _unwritten.Append(entry);
        PageOut();
    }

    /// <summary>
    /// Turns written entries at the front of the unwritten list into log positions. Transient
    /// entries move along as objects (they have no copy on disk), so they never hold paging up.
    /// </summary>
    public void PageOut()
    {
        while (_unwritten.Count > 0)
        {
            var entry = _unwritten.PeekFirst();
            if (entry.Stored is { } stored)
            {
                if (stored.Id == 0) return; // the store has not written it yet; try again later
                _items.Enqueue(new Item(null, stored.Id, entry.Sequence, entry.ExpiresAtMs, (int)entry.Message.Size, entry.Redelivered));
            }
            else
            {
                _items.Enqueue(new Item(entry, 0, entry.Sequence, entry.ExpiresAtMs, (int)entry.Message.Size, entry.Redelivered));
                InMemory++;
            }
            _unwritten.RemoveFirst();
        }
    }

    /// <summary>Size in bytes of the next message, for the window's budget.</summary>
    public long PeekSize() => _items.Count > 0 ? _items.PeekFirst().Size : _unwritten.PeekFirst().Message.Size;

    /// <summary>Takes the next message, reading it from the log when it was paged out.</summary>
    public QueueEntry TakeFirst()
    {
        if (_items.Count == 0) return _unwritten.RemoveFirst();
        var item = _items.Dequeue();
        if (item.Entry is { } entry)
        {
            InMemory--;
            return entry;
        }
        var stored = new StoredMessage { Id = item.RecordId };
        var message = Log!.Read(stored);
        return new QueueEntry(message, item.Sequence, item.ExpiresAtMs, priority: 0) { Stored = stored, Redelivered = item.Redelivered };
    }

    /// <summary>Empties the backlog (purge, delete); <paramref name="forget"/> removes each from the log.</summary>
    public void Clear(bool forget, Action<QueueEntry> forgetEntry)
    {
        if (forget)
        {
            while (_items.Count > 0)
            {
                var item = _items.Dequeue();
                if (item.Entry is { } entry) forgetEntry(entry);
                else Log!.Remove(new StoredMessage { Id = item.RecordId });
            }
            for (int i = 0; i < _unwritten.Count; i++) forgetEntry(_unwritten[i]);
        }
        _items.Clear();
        _unwritten.Clear();
        InMemory = 0;
    }

    /// <summary>Entries still held as objects, for <see cref="InMemory"/>-style accounting.</summary>
    public long UnwrittenCount => _unwritten.Count;
}
