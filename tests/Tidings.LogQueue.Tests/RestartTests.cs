using Tidings.Testing;

namespace Tidings.LogQueue.Tests;

/// <summary>Ids, registrations, messages and consumer positions survive a broker restart.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Ids_and_positions_survive_a_restart_and_new_ids_do_not_reuse_old_ones()
    {
        using var data = new TempDirectory();
        long producer, consumer, other;
        await using (var server = await TestBrokerServer.StartDurableAsync(data.Path, withMqtt: false, withLogQueue: true))
        {
            using var api = LogQueueCall.OnHttpPort(server);
            producer = await api.RegisterProducerAsync("logs");
            consumer = await api.RegisterConsumerAsync("logs");
            other = await api.RegisterConsumerAsync("logs");
            for (int i = 0; i < 10; i++) await api.ProduceAsync("logs", producer, $"line {i}");
            for (int i = 0; i < 4; i++) Assert.Equal($"line {i}", await api.ConsumeAsync("logs", consumer));
        }
        Assert.True(File.Exists(Path.Combine(data.Path, "logqueue", "ids.json")));

        await using (var server = await TestBrokerServer.StartDurableAsync(data.Path, withMqtt: false, withLogQueue: true))
        {
            using var api = LogQueueCall.OnHttpPort(server);
            Assert.Equal(["logs"], (await api.GetAsync("topics")).Succeeded().Json.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal(6, await api.SizeAsync("logs", consumer));
            Assert.Equal("line 4", await api.ConsumeAsync("logs", consumer));
            Assert.Equal(10, await api.SizeAsync("logs", other));
            await api.ProduceAsync("logs", producer, "after restart");
            Assert.Equal(6, await api.SizeAsync("logs", consumer));

            long next = await api.RegisterConsumerAsync("logs");
            Assert.True(next > Math.Max(producer, Math.Max(consumer, other)), $"new id {next} reuses an old one");
        }
    }
}
