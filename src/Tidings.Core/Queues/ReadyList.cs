using System.Diagnostics;

namespace Tidings.Core.Queues;

/// <summary>
/// A classic queue's ready messages: an in-memory window with one deque per priority level
/// (index = priority), and for durable queues without priorities a paged backlog behind it.
/// Counts and byte totals cover window and backlog. Not thread-safe: the queue's lock guards it.
/// </summary>
internal sealed class ReadyList
{
    /// <summary>Ready entries in the window, one deque per priority level.</summary>
    private readonly EntryDeque[] _levels;
    /// <summary>
    /// Ready messages behind the in-memory window (durable queues without priorities): mostly log
    /// positions, read back as the window drains. Null when everything stays in memory.
    /// </summary>
    private readonly PagedBacklog? _backlog;
    /// <summary>The broker's window limits (messages and bytes).</summary>
    private readonly BrokerOptions _options;
    /// <summary>Body bytes of the entries in the window, against the window budget.</summary>
    private long _windowBytes;

    public ReadyList(byte maxPriority, bool paged, BrokerOptions options)
    {
        _levels = new EntryDeque[maxPriority + 1];
        for (int i = 0; i < _levels.Length; i++) _levels[i] = new EntryDeque();
        if (paged && maxPriority == 0) _backlog = new PagedBacklog();
        _options = options;
    }

    /// <summary>Ready messages, window and backlog.</summary>
    public int Count { get; private set; }

    /// <summary>Body bytes of all ready messages.</summary>
    public long Bytes { get; private set; }

    /// <summary>Priority levels (1 without x-max-priority).</summary>
    public int Levels => _levels.Length;

    /// <summary>The backlog, when the list pages (its log is set once the queue's log is open).</summary>
    public PagedBacklog? Backlog => _backlog;

    /// <summary>Ready messages held as objects (window plus unpaged backlog).</summary>
    public long InMemory
    {
        get
        {
            long window = 0;
            foreach (var deque in _levels) window += deque.Count;
            return window + (_backlog?.InMemory ?? 0) + (_backlog?.UnwrittenCount ?? 0);
        }
    }

    /// <summary>Adds a ready entry. Requeued entries go back into the window at their position: they come before everything behind it.</summary>
    public void Add(QueueEntry entry, bool requeued)
    {
        long size = entry.Message.Size;
        Count++;
        Bytes += size;
        if (_backlog is not null && !requeued && (!_backlog.IsEmpty || !WindowHasRoom(size)))
        {
            _backlog.Append(entry);
            return;
        }
        var deque = _levels[entry.Priority];
        if (requeued) deque.InsertInOrder(entry); else deque.Append(entry);
        _windowBytes += size;
    }

    /// <summary>The next entry to deliver (highest priority first). The list must not be empty.</summary>
    public QueueEntry PeekHead()
    {
        RefillWindow();
        for (int p = _levels.Length - 1; p >= 0; p--)
            if (_levels[p].Count > 0) return _levels[p].PeekFirst();
        throw new InvalidOperationException("queue is empty");
    }

    /// <summary>Removes and returns the next entry to deliver. The list must not be empty.</summary>
    public QueueEntry RemoveHead()
    {
        RefillWindow();
        for (int p = _levels.Length - 1; p >= 0; p--)
            if (_levels[p].Count > 0) return RemoveFirstOf(p);
        throw new InvalidOperationException("queue is empty");
    }

    /// <summary>The head of priority level <paramref name="level"/>, or null when it is empty.</summary>
    public QueueEntry? PeekLevel(int level)
    {
        if (_levels[level].Count == 0) RefillWindow();
        return _levels[level].Count > 0 ? _levels[level].PeekFirst() : null;
    }

    /// <summary>Removes the head of priority level <paramref name="level"/>, which must not be empty.</summary>
    public QueueEntry RemoveFirstOf(int level)
    {
        var entry = _levels[level].RemoveFirst();
        Count--;
        Bytes -= entry.Message.Size;
        _windowBytes -= entry.Message.Size;
        return entry;
    }

    /// <summary>
    /// Removes up to <paramref name="max"/> window entries that <paramref name="pick"/> accepts, in
    /// delivery order (highest priority first), looking at no more than <paramref name="scanLimit"/>
    /// entries; the rest keep their places and order. The backlog is not looked at: it refills the
    /// window only once the window is empty.
    /// </summary>
    public int TakeFromWindow(Predicate<QueueEntry> pick, int max, int scanLimit, List<QueueEntry> into)
    {
        RefillWindow();
        int start = into.Count;
        for (int p = _levels.Length - 1; p >= 0 && into.Count - start < max && scanLimit > 0; p--)
            _levels[p].TakeWhere(pick, max - (into.Count - start), ref scanLimit, into);
        for (int i = start; i < into.Count; i++)
        {
            long size = into[i].Message.Size;
            Count--;
            Bytes -= size;
            _windowBytes -= size;
        }
        return into.Count - start;
    }

    /// <summary>Whether <paramref name="pick"/> accepts one of the first <paramref name="scanLimit"/> window entries, in delivery order.</summary>
    public bool AnyInWindow(Predicate<QueueEntry> pick, int scanLimit)
    {
        RefillWindow();
        for (int p = _levels.Length - 1; p >= 0 && scanLimit > 0; p--)
        {
            var deque = _levels[p];
            for (int i = 0; i < deque.Count && scanLimit > 0; i++, scanLimit--)
                if (pick(deque[i])) return true;
        }
        return false;
    }

    /// <summary>The earliest expiry among the level heads (TTL applies at the head only); long.MaxValue when none.</summary>
    public long EarliestHeadExpiry()
    {
        RefillWindow();
        long due = long.MaxValue;
        foreach (var deque in _levels)
            if (deque.Count > 0) due = Math.Min(due, deque.PeekFirst().ExpiresAtMs);
        return due;
    }

    /// <summary>Empties the list; with <paramref name="forget"/> every entry's durable copy is removed through <paramref name="forgetEntry"/>.</summary>
    public void Clear(bool forget, Action<QueueEntry> forgetEntry)
    {
        foreach (var deque in _levels)
        {
            if (forget) for (int i = 0; i < deque.Count; i++) forgetEntry(deque[i]);
            deque.Clear();
        }
        _backlog?.Clear(forget, forgetEntry);
        Count = 0;
        Bytes = 0;
        _windowBytes = 0;
    }

    /// <summary>Debug builds: the counts and byte totals agree with what the window and backlog hold.</summary>
    [Conditional("DEBUG")]
    public void AssertInvariants()
    {
        long window = 0;
        foreach (var deque in _levels) window += deque.Count;
        Debug.Assert(window + (_backlog?.Count ?? 0) == Count, $"ready count {Count} != window {window} + backlog {_backlog?.Count ?? 0}");
        Debug.Assert(Bytes >= _windowBytes && _windowBytes >= 0, "window bytes outside 0..ready bytes");
        // Summing sizes is linear: only for small windows, so debug test runs stay fast.
        if (window > 256) return;
        long bytes = 0;
        foreach (var deque in _levels)
            for (int i = 0; i < deque.Count; i++) bytes += deque[i].Message.Size;
        Debug.Assert(bytes == _windowBytes, $"window bytes {_windowBytes} != sum of window entries {bytes}");
    }

    private bool WindowHasRoom(long size) =>
        _levels[0].Count < _options.QueueWindowMessages && (_windowBytes + size <= _options.QueueWindowBytes || _levels[0].Count == 0);

    /// <summary>Moves messages from the backlog into an empty window, reading paged ones from disk.</summary>
    private void RefillWindow()
    {
        if (_backlog is null || _levels[0].Count > 0) return;
        _backlog.PageOut();
        while (!_backlog.IsEmpty && WindowHasRoom(_backlog.PeekSize()))
        {
            var entry = _backlog.TakeFirst();
            _levels[0].Append(entry);
            _windowBytes += entry.Message.Size;
        }
    }
}
