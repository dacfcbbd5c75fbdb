using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Retained;

namespace Tidings.Mqtt.Tests.Retained;

/// <summary>What survives a restart, a kill and damage to the log.</summary>
public sealed class RetainedDurabilityTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly TestClock _clock = new();
    private readonly List<RetainedStore> _opened = [];

    public void Dispose()
    {
        foreach (var store in _opened) store.Dispose();
        _root.Dispose();
    }

    private string Folder(string name) => Path.Combine(_root.Path, name);

    private RetainedStore Open(string folder, long compactionMinGarbage = 4 * 1024 * 1024)
    {
        var store = new RetainedStore(new RetainedStoreOptions { Directory = folder, TimeProvider = _clock, CompactionMinGarbageBytes = compactionMinGarbage });
        _opened.Add(store);
        return store;
    }

    private static string LogPath(string folder) => Path.Combine(folder, "retained.log");

    /// <summary>A copy of a folder whose store is still open, as the disk looks after kill -9 at this point.</summary>
    private string CopyAsIfKilled(string folder, string name, Func<byte[], byte[]>? damage = null)
    {
        string copy = Folder(name);
        Directory.CreateDirectory(copy);
        byte[] bytes;
        using (var file = new FileStream(LogPath(folder), FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }

        File.WriteAllBytes(LogPath(copy), damage is null ? bytes : damage(bytes));
        return copy;
    }

    [Fact]
    public async Task Reopening_the_directory_returns_every_retained_message()
    {
        var store = Open(Folder("a"));
        for (int i = 0; i < 1000; i++) await store.Set($"t/{i % 100}/{i}", $"v{i}", _clock);
        for (int i = 0; i < 1000; i += 3) await store.ClearAsync($"t/{i % 100}/{i}");
        await store.Set("t/0/0", "replaced", _clock);
        var before = store.Match("#").ToDictionary(m => m.Topic, m => m.PayloadText());
        store.Dispose();

        var reopened = Open(Folder("a"));
        Assert.False(reopened.Recovery.Damaged);
        Assert.Equal(before.Count, reopened.Count);
        Assert.Equal(before.OrderBy(p => p.Key, StringComparer.Ordinal),
            reopened.Match("#").ToDictionary(m => m.Topic, m => m.PayloadText()).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal("replaced", reopened.Get("t/0/0")!.PayloadText());
    }

    [Fact]
    public async Task A_completed_set_is_on_disk_without_a_clean_shutdown()
    {
        var store = Open(Folder("live"));
        await store.Set("kept/1", "one", _clock);
        await store.Set("kept/2", "two", _clock);
        await store.ClearAsync("kept/1");

        var after = Open(CopyAsIfKilled(Folder("live"), "killed"));
        Assert.Equal(["kept/2"], after.Topics("#"));
        Assert.False(after.Recovery.Damaged);
        Assert.Equal(3, after.Recovery.RecordsRead);
    }

    [Fact]
    public async Task A_torn_tail_is_recovered_up_to_the_last_intact_record_at_every_cut()
    {
        var store = Open(Folder("src"));
        await store.Set("a", "first", _clock);
        await store.Set("b", "second", _clock);
        long beforeLast = new FileInfo(LogPath(Folder("src"))).Length;
        await store.SetAsync(new RetainedMessage("c", new byte[300], MqttQos.AtLeastOnce, _clock.Now) { ContentType = "x", UserProperties = [new("k", "v")] });
        long full = new FileInfo(LogPath(Folder("src"))).Length;

        for (long cut = beforeLast + 1; cut < full; cut += 7)
        {
            long keep = cut;
            var folder = CopyAsIfKilled(Folder("src"), $"cut{cut}", bytes => bytes[..(int)keep]);
            var recovered = Open(folder);
            Assert.Equal(["a", "b"], recovered.Topics("#"));
            Assert.True(recovered.Recovery.Damaged);
            Assert.True(recovered.Recovery.TornTail);
            Assert.True(recovered.Recovery.Rewritten);

            // The rewritten log takes appends and reopens clean.
            await recovered.Set("d", "after", _clock);
            recovered.Dispose();
            var again = Open(folder);
            Assert.False(again.Recovery.Damaged);
            Assert.Equal(["a", "b", "d"], again.Topics("#"));
        }
    }

    [Fact]
    public async Task A_corrupt_byte_in_the_middle_loses_only_that_record()
    {
        var store = Open(Folder("src"));
        await store.Set("a", "first", _clock);
        long secondAt = new FileInfo(LogPath(Folder("src"))).Length;
        await store.Set("b", "second-payload", _clock);
        await store.Set("c", "third", _clock);

        // A flipped payload byte (CRC catches it) and a flipped length byte (the scan resynchronises).
        foreach (int offset in new[] { 30, 5 })
        {
            var folder = CopyAsIfKilled(Folder("src"), $"flip{offset}", bytes =>
            {
                bytes[secondAt + offset] ^= 0x5A;
                return bytes;
            });
            var recovered = Open(folder);
            Assert.Equal(["a", "c"], recovered.Topics("#"));
            Assert.True(recovered.Recovery.Damaged);
            Assert.False(recovered.Recovery.TornTail);
            Assert.Equal(1, recovered.Recovery.DamagedRegions);
        }
    }

    [Fact]
    public void A_file_that_is_not_a_retained_log_is_reported_and_replaced()
    {
        string folder = Folder("junk");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(LogPath(folder), "not a log at all"u8.ToArray());
        var store = Open(folder);
        Assert.Equal(0, store.Count);
        Assert.True(store.Recovery.Damaged);
        Assert.True(store.Recovery.Rewritten);
    }

    [Fact]
    public async Task Expired_messages_are_dropped_at_replay()
    {
        var store = Open(Folder("exp"));
        await store.SetAsync(new RetainedMessage("soon", new byte[] { 1 }, MqttQos.AtMostOnce, _clock.Now) { MessageExpiryInterval = 60 });
        await store.SetAsync(new RetainedMessage("later", new byte[] { 2 }, MqttQos.AtMostOnce, _clock.Now) { MessageExpiryInterval = 600 });
        store.Dispose();

        _clock.Now += TimeSpan.FromMinutes(5); // the broker was down for five minutes
        var reopened = Open(Folder("exp"));
        Assert.Equal(["later"], reopened.Topics("#"));
        Assert.Equal(1, reopened.Recovery.ExpiredDropped);
        Assert.Equal(300u, reopened.Get("later")!.RemainingExpiry(_clock.Now));
    }

    [Fact]
    public async Task Replacements_compact_the_log_and_the_compacted_log_reopens()
    {
        var store = Open(Folder("compact"), compactionMinGarbage: 4096);
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < 10; i++) await store.Set($"hot/{i}", $"round {round}", _clock);
        }

        Assert.True(store.Compactions > 0);
        Assert.True(new FileInfo(LogPath(Folder("compact"))).Length < 3 * 4096); // 2,000 records would be ~70 KB
        store.Dispose();
        var reopened = Open(Folder("compact"));
        Assert.Equal(10, reopened.Count);
        Assert.All(reopened.Match("hot/+"), m => Assert.Equal("round 199", m.PayloadText()));
    }

    [Fact]
    public async Task Concurrent_sets_share_fsyncs_and_all_complete_durably()
    {
        var store = Open(Folder("group"));
        var sets = Enumerable.Range(0, 500).Select(i => store.SetAsync(Retain.Text($"g/{i}", "x", _clock)).AsTask()).ToArray();
        var results = await Task.WhenAll(sets);
        Assert.All(results, r => Assert.Equal(RetainResult.Stored, r));
        var after = Open(CopyAsIfKilled(Folder("group"), "group-killed"));
        Assert.Equal(500, after.Count);
    }

    [Fact]
    public async Task A_disposed_store_refuses_changes_with_StoreFailed()
    {
        var store = Open(Folder("closed"));
        await store.Set("a", "1", _clock);
        store.Dispose();
        Assert.Equal(RetainResult.StoreFailed, await store.Set("b", "2", _clock));
        Assert.Equal(RetainResult.StoreFailed, await store.ClearAsync("a"));
        Assert.Equal("1", store.Get("a")!.PayloadText());
    }

    [Fact]
    public async Task Each_vhost_has_its_own_folder_and_messages()
    {
        using var stores = new RetainedStores(_root.Path, new RetainedStoreOptions { TimeProvider = _clock });
        await stores.Get("/").Set("t", "default vhost", _clock);
        await stores.Get("Prod.EU").Set("t", "prod", _clock);
        Assert.Same(stores.Get("/"), stores.Get("/"));
        Assert.Equal("prod", stores.Get("Prod.EU").Get("t")!.PayloadText());
        Assert.True(File.Exists(Path.Combine(_root.Path, "mqtt-retained", "%2F", "retained.log")));
        Assert.True(File.Exists(Path.Combine(_root.Path, "mqtt-retained", "%50rod%2E%45%55", "retained.log")));
        Assert.Equal("%", RetainedStores.EscapeVhost(""));
        Assert.Equal("a-b_c%2F%2E%2E", RetainedStores.EscapeVhost("a-b_c/.."));

        using var memory = new RetainedStores(null);
        Assert.False(memory.Get("/").IsDurable);
    }
}
