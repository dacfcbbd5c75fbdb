using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>
/// Named positions read without a consumer: the logging-queue API's consumer ids, and the
/// positions tracked AMQP consumers leave behind. Each is the next offset its reader gets,
/// stored in the stream's log so it survives a restart.
/// </summary>
public sealed partial class StreamQueue
{
    /// <summary>The stored positions: name → next offset to read.</summary>
    public IReadOnlyDictionary<string, long> Positions => _log.Positions;

    /// <summary>The stored position of <paramref name="name"/>; -1 when none is stored.</summary>
    public long PositionOf(string name) => _log.PositionOf(name);

    /// <summary>Stores <paramref name="name"/>'s position (kept across a kill -9 once this returns).</summary>
    public void StorePosition(string name, long nextOffset)
    {
        lock (_lock) _log.StorePosition(name, nextOffset);
    }

    /// <summary>Forgets a stored position; false when there was none.</summary>
    public bool RemovePosition(string name)
    {
        lock (_lock) return _log.RemovePosition(name);
    }

    /// <summary>How many messages the position <paramref name="name"/> has not read yet (all kept ones when none is stored).</summary>
    public long Lag(string name)
    {
        long stored = PositionOf(name);
        lock (_lock) return LagBehind(stored, _firstOffset, _nextOffset);
    }

    /// <summary>
    /// What a reader at <paramref name="position"/> has not read of a stream keeping
    /// <paramref name="firstOffset"/> up to <paramref name="nextOffset"/> (offsets read once, for listings of many readers).
    /// </summary>
    public static long LagBehind(long position, long firstOffset, long nextOffset) => Math.Max(0, nextOffset - Math.Max(position, firstOffset));

    /// <summary>
    /// Reads up to <paramref name="max"/> messages from the position <paramref name="name"/> (the
    /// oldest kept message when none is stored) into <paramref name="into"/>, and stores the
    /// position after them; one reader at a time per stream, so a position never hands out a
    /// message twice. Returns how many were read.
    /// </summary>
    public int ReadAndAdvance(string name, int max, List<StreamEntry> into)
    {
        lock (_lock)
        {
            if (_deleted) return 0;
            long next = Math.Max(PositionOf(name), _firstOffset);
            int read = 0;
            IStreamCursor? cursor = null;
            try
            {
                while (read < max && next < _nextOffset)
                {
                    if (!_tail.TryGet(next, out var entry))
                    {
                        cursor ??= _log.OpenCursor(next);
                        if (!cursor.TryRead(out entry)) break;
                    }
                    into.Add(entry);
                    next = entry.Offset + 1;
                    read++;
                }
            }
            finally
            {
                cursor?.Dispose();
            }
            if (read > 0)
            {
                _log.StorePosition(name, next);
                Stats.Add(MessageStat.Get, read);
                VirtualHost.Stats.Add(MessageStat.Get, read);
            }
            return read;
        }
    }
}
