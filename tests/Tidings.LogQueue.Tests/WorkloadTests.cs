using System.Collections.Concurrent;
using Tidings.Testing;

namespace Tidings.LogQueue.Tests;

/// <summary>The API driven the way the course's clients drive it: several producers and consumers at once.</summary>
public sealed class WorkloadTests
{
    [Fact]
    public async Task Five_producers_and_three_consumers_on_three_topics_each_consumer_gets_exactly_its_topic_in_producer_order()
    {
        await using var server = await TestBrokerServer.StartWithLogQueueAsync();
        using var api = LogQueueCall.OnHttpPort(server);
        string[] topics = ["T1", "T2", "T3"];
        foreach (string topic in topics) (await api.PostAsync("topics", new { name = topic })).Succeeded();
        // Producer i writes to topics[i % 3]: T1 gets two producers, T2 two, T3 one.
        const int linesPerProducer = 600;
        var producers = new List<(long Id, string Topic, int Index)>();
        for (int i = 0; i < 5; i++) producers.Add((await api.RegisterProducerAsync(topics[i % 3]), topics[i % 3], i));
        var consumers = new List<(long Id, string Topic)>();
        foreach (string topic in topics) consumers.Add((await api.RegisterConsumerAsync(topic), topic));

        var received = new ConcurrentDictionary<long, List<string>>();
        var producing = producers.Select(p => Task.Run(async () =>
        {
            using var own = LogQueueCall.OnHttpPort(server);
            for (int n = 0; n < linesPerProducer; n++) await own.ProduceAsync(p.Topic, p.Id, $"P{p.Index} {n}");
        })).ToList();
        var expected = producers.GroupBy(p => p.Topic).ToDictionary(g => g.Key, g => g.Count() * linesPerProducer);
        var consuming = consumers.Select(c => Task.Run(async () =>
        {
            using var own = LogQueueCall.OnHttpPort(server);
            var lines = received.GetOrAdd(c.Id, _ => []);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (lines.Count < expected[c.Topic] && DateTime.UtcNow < deadline)
            {
                var answer = await own.GetAsync("consumer/consume", new { topic = c.Topic, consumer_id = c.Id });
                if (answer.StatusField == "success") lines.Add(answer.Message);
                else await Task.Delay(1);
            }
        })).ToList();
        await Task.WhenAll(producing.Concat(consuming));

        foreach (var (id, topic) in consumers)
        {
            var lines = received[id];
            Assert.Equal(expected[topic], lines.Count);
            foreach (var producer in producers)
            {
                var own = lines.Where(l => l.StartsWith($"P{producer.Index} ", StringComparison.Ordinal)).ToList();
                var want = producer.Topic == topic ? Enumerable.Range(0, linesPerProducer).Select(n => $"P{producer.Index} {n}").ToList() : [];
                Assert.Equal(want, own);
            }
            Assert.Equal(0, await api.SizeAsync(topic, id));
        }

        // A consumer registered after all of it reads every line of its topic from the start.
        long late = await api.RegisterConsumerAsync("T3");
        Assert.Equal(linesPerProducer, await api.SizeAsync("T3", late));
        Assert.Equal("P2 0", await api.ConsumeAsync("T3", late));
    }
}
