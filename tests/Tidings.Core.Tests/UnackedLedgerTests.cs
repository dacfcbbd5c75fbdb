using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Sessions;
using Tidings.Core.Tests.Support;
using Xunit;

namespace Tidings.Core.Tests;

public sealed class UnackedLedgerTests
{
    private static readonly IQueue Queue = NewQueue();

    private static IQueue NewQueue()
    {
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        broker.DefaultVirtualHost.DeclareQueue("ledger");
        return broker.DefaultVirtualHost.FindQueue("ledger")!;
    }

    private static DeliveryHandle Entry(long sequence) =>
        new(Queue, new QueueEntry(new Message("", "ledger", MessageProperties.Empty, TestMessages.Body("m" + sequence)), sequence, long.MaxValue, 0), 1);

    [Fact]
    public void Multiple_ack_takes_every_older_tag_in_order_and_skips_settled_ones()
    {
        var ledger = new UnackedLedger();
        for (ulong tag = 1; tag <= 10; tag++) ledger.Add(tag, Entry((long)tag), null);
        Assert.True(ledger.TryRemove(3, out var third));
        Assert.Equal(3, third.Handle.Entry!.Sequence);
        Assert.False(ledger.TryRemove(3, out _));

        var taken = new List<Unacked>();
        ledger.TakeUpTo(6, taken);

        Assert.Equal([1L, 2, 4, 5, 6], taken.Select(u => u.Handle.Entry!.Sequence));
        Assert.Equal(4, ledger.Count);
        Assert.False(ledger.Contains(6));
        Assert.True(ledger.Contains(7));
    }

    [Fact]
    public void One_old_unacked_delivery_does_not_grow_the_ledger_without_bound()
    {
        var ledger = new UnackedLedger();
        ledger.Add(1, Entry(1), null);
        // A long-running consumer acks everything individually except tag 1.
        for (ulong tag = 2; tag < 100_000; tag++)
        {
            ledger.Add(tag, Entry((long)tag), null);
            Assert.True(ledger.TryRemove(tag, out _));
        }
        Assert.Equal(1, ledger.Count);
        var all = new List<Unacked>();
        ledger.TakeUpTo(0, all);
        Assert.Equal([1L], all.Select(u => u.Handle.Entry!.Sequence));
        Assert.Equal(0, ledger.Count);
    }

    [Fact]
    public void Unknown_and_already_settled_tags_are_not_found_after_the_ring_wraps()
    {
        var ledger = new UnackedLedger();
        var taken = new List<Unacked>();
        for (ulong tag = 1; tag <= 1000; tag++)
        {
            ledger.Add(tag, Entry((long)tag), null);
            if (tag % 7 == 0)
            {
                taken.Clear();
                ledger.TakeUpTo(tag - 2, taken);
            }
        }
        Assert.False(ledger.Contains(5000));
        Assert.False(ledger.Contains(990));
        Assert.True(ledger.Contains(1000));
        Assert.True(ledger.TryRemove(999, out var u));
        Assert.Equal(999, u.Handle.Entry!.Sequence);
    }
}
