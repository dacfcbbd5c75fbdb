using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>Publishers and acking consumers on their own threads, as adapters drive the core.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public async Task Concurrent_publishers_and_acking_consumers_lose_nothing_duplicate_nothing_and_keep_publish_order()
    {
        const int publishers = 2;
        const int perPublisher = 2500;
        const int total = publishers * perPublisher;
        var queue = DeclareQueue("q");
        int acked = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Three consumers, each on its own session and thread, with different credit rules.
        var consumers = new (Sessions.Session Session, RecordingSink Sink)[3];
        for (int c = 0; c < consumers.Length; c++)
        {
            var session = OpenSession();
            if (c == 0) session.SetPrefetch(5, global: false);
            if (c == 1) session.SetPrefetch(3, global: true);
            consumers[c] = (session, new RecordingSink());
            Consume("q", consumers[c].Sink, session);
        }

        var ackers = consumers.Select((consumer, index) => Task.Run(() =>
        {
            int seen = 0;
            while (Volatile.Read(ref acked) < total && !timeout.IsCancellationRequested)
            {
                var fresh = consumer.Sink.Since(seen);
                if (fresh.Count == 0)
                {
                    consumer.Sink.WaitForDelivery(TimeSpan.FromMilliseconds(10));
                    continue;
                }
                // One consumer acks with multiple, the others one by one.
                if (index == 2)
                {
                    consumer.Session.Ack(fresh[^1].DeliveryTag, multiple: true);
                }
                else
                {
                    foreach (var delivery in fresh) consumer.Session.Ack(delivery.DeliveryTag, multiple: false);
                }
                Interlocked.Add(ref acked, fresh.Count);
                seen += fresh.Count;
            }
        })).ToList();

        var senders = Enumerable.Range(0, publishers).Select(p => Task.Run(() =>
        {
            var session = OpenSession();
            for (int i = 0; i < perPublisher && !timeout.IsCancellationRequested; i++)
                session.Publish("", "q", $"{p}:{i}", Persistent());
        })).ToList();

        await Task.WhenAll(senders.Concat(ackers)).WaitAsync(timeout.Token);

        var all = consumers.SelectMany(c => c.Sink.Deliveries).ToList();
        Assert.Equal(total, all.Count);
        Assert.Equal(total, all.Select(d => d.Message.Text()).Distinct().Count());
        Assert.All(all, d => Assert.False(d.Redelivered));
        Assert.All(consumers, c => Assert.NotEmpty(c.Sink.Deliveries));
        // Each consumer sees each publisher's messages in the order they were published.
        foreach (var (_, sink) in consumers)
        {
            foreach (var fromOnePublisher in sink.Bodies.Select(b => b.Split(':')).GroupBy(parts => parts[0]))
            {
                var sequence = fromOnePublisher.Select(parts => int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(sequence.Order(), sequence);
            }
        }
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
    }
}
