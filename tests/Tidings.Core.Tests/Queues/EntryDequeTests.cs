using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Queues;

/// <summary>The ready deque's in-place take (grouped receives): picked entries leave, the rest keep their order, also across the ring's wrap.</summary>
public sealed class EntryDequeTests
{
    private static readonly Message Body = new("", "q", new MessageProperties(), TestMessages.Body("m"));

    private static EntryDeque DequeOf(int count, int removedFirst)
    {
        var deque = new EntryDeque();
        // Removing from the head first moves it, so later appends wrap around the ring.
        for (int i = 0; i < removedFirst; i++) deque.Append(new QueueEntry(Body, -1 - i, long.MaxValue, 0));
        for (int i = 0; i < removedFirst; i++) deque.RemoveFirst();
        for (int i = 0; i < count; i++) deque.Append(new QueueEntry(Body, i, long.MaxValue, 0));
        return deque;
    }

    private static List<long> Sequences(EntryDeque deque) => [.. Enumerable.Range(0, deque.Count).Select(i => deque[i].Sequence)];

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(13)]
    public void Take_where_removes_the_picked_entries_and_keeps_the_rest_in_order(int removedFirst)
    {
        var deque = DequeOf(10, removedFirst);
        var taken = new List<QueueEntry>();
        int scan = 100;

        Assert.Equal(3, deque.TakeWhere(e => e.Sequence % 3 == 1, max: 10, ref scan, taken));

        Assert.Equal([1L, 4, 7], taken.Select(e => e.Sequence));
        Assert.Equal([0L, 2, 3, 5, 6, 8, 9], Sequences(deque));
        Assert.Equal(90, scan);
        deque.Append(new QueueEntry(Body, 10, long.MaxValue, 0));
        Assert.Equal(10, deque[deque.Count - 1].Sequence);
        Assert.Equal(0, deque.PeekFirst().Sequence);
    }

    [Fact]
    public void Take_where_stops_at_max_and_at_the_scan_limit()
    {
        var deque = DequeOf(10, 3);
        var taken = new List<QueueEntry>();
        int scan = 100;
        Assert.Equal(2, deque.TakeWhere(e => e.Sequence >= 2, max: 2, ref scan, taken));
        Assert.Equal([2L, 3], taken.Select(e => e.Sequence));
        Assert.Equal([0L, 1, 4, 5, 6, 7, 8, 9], Sequences(deque));

        taken.Clear();
        scan = 3;
        Assert.Equal(0, deque.TakeWhere(e => e.Sequence >= 5, max: 10, ref scan, taken));
        Assert.Equal(0, scan);
        Assert.Equal(8, deque.Count);
    }
}
