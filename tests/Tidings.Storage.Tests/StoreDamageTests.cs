using System.Text;
using Tidings.Core;
using Tidings.Core.Messages;

namespace Tidings.Storage.Tests;

/// <summary>Damaged store files at start-up: the broker starts, reports, and serves what is intact.</summary>
public sealed class StoreDamageTests : IAsyncDisposable
{
    private readonly TempDirectory _temp = new("tidings-damage");
    private readonly List<string> _reports = [];

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }

    private (Broker, SegmentMessageStore) Start()
    {
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        var store = new SegmentMessageStore(Path.Combine(_temp.Path, "msgs"), broker.StoreFsyncLatency, _reports.Add);
        broker.MessageStore = store;
        DefinitionsFile.Load(broker, _temp.Path);
        return (broker, store);
    }

    private async Task PublishAndStopAsync(int count)
    {
        var (broker, store) = Start();
        broker.DefaultVirtualHost.DeclareQueue("q", durable: true);
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        for (int i = 0; i < count; i++)
            session.Publish("", "q", new MessageProperties { Durable = true, MessageId = $"m{i}" }, Encoding.UTF8.GetBytes($"body {i}"));
        DefinitionsFile.Save(broker, _temp.Path);
        broker.Dispose();
        await store.DisposeAsync();
    }

    private string OnlySegment() => Assert.Single(Directory.GetFiles(Path.Combine(_temp.Path, "msgs"), "*.seg", SearchOption.AllDirectories));

    private async Task<List<string>> ReadAllAsync()
    {
        var (broker, store) = Start();
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var bodies = new List<string>();
        while (session.Get("q", noAck: true) is { } m) bodies.Add(Encoding.UTF8.GetString(m.Message.Body.Span));
        broker.Dispose();
        await store.DisposeAsync();
        return bodies;
    }

    [Fact]
    public async Task A_segment_cut_mid_record_loses_only_the_torn_message_and_is_reported()
    {
        await PublishAndStopAsync(10);
        string segment = OnlySegment();
        using (var file = new FileStream(segment, FileMode.Open)) file.SetLength(file.Length - 5);

        var bodies = await ReadAllAsync();

        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"body {i}"), bodies);
        Assert.Contains(_reports, r => r.Contains("torn tail") && r.Contains("queue 'q'"));
    }

    [Fact]
    public async Task A_flipped_byte_is_reported_with_its_location_and_every_other_message_is_served()
    {
        await PublishAndStopAsync(10);
        string segment = OnlySegment();
        var bytes = File.ReadAllBytes(segment);
        int at = Encoding.UTF8.GetString(bytes).IndexOf("body 4", StringComparison.Ordinal);
        bytes[at] ^= 0x20;
        File.WriteAllBytes(segment, bytes);

        var bodies = await ReadAllAsync();

        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 4).Select(i => $"body {i}"), bodies);
        var report = Assert.Single(_reports);
        Assert.Contains("checksum mismatch", report);
        Assert.Contains("00000001.seg at byte", report);
    }
}
