using System.Text;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Retained;

namespace Tidings.Mqtt.Tests.Retained;

/// <summary>The store's semantics, run unchanged against the in-memory and the durable store.</summary>
public abstract class RetainedStoreTests : IDisposable
{
    private readonly List<RetainedStore> _opened = [];
    private protected readonly TestClock Clock = new();

    private protected abstract RetainedStoreOptions Options();

    private protected RetainedStore Open(RetainedStoreOptions? options = null)
    {
        var store = new RetainedStore(options ?? Options());
        _opened.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var store in _opened) store.Dispose();
    }

    [Fact]
    public async Task Set_stores_replace_replaces_and_empty_payload_clears()
    {
        var store = Open();
        Assert.Equal(RetainResult.Stored, await store.Set("a/b", "one"));
        Assert.Equal(RetainResult.Replaced, await store.Set("a/b", "two"));
        Assert.Equal("two", store.Get("a/b")!.PayloadText());
        Assert.Equal(1, store.Count);

        Assert.Equal(RetainResult.Cleared, await store.SetAsync(new RetainedMessage("a/b", ReadOnlyMemory<byte>.Empty, MqttQos.AtMostOnce, Clock.Now)));
        Assert.Null(store.Get("a/b"));
        Assert.Equal(0, store.Count);
        Assert.Equal(0, store.TotalBytes);
        Assert.Equal(RetainResult.NothingToClear, await store.ClearAsync("a/b"));
        Assert.Empty(store.Topics("#"));
    }

    [Fact]
    public async Task Clearing_a_topic_keeps_its_parent_and_children()
    {
        var store = Open();
        await store.Set("a", "parent");
        await store.Set("a/b", "middle");
        await store.Set("a/b/c", "child");
        await store.ClearAsync("a/b");
        Assert.Equal(["a", "a/b/c"], store.Topics("#"));
        await store.ClearAsync("a/b/c");
        Assert.Equal(["a"], store.Topics("a/#"));
    }

    [Fact]
    public async Task Invalid_topics_are_refused_with_a_result()
    {
        var store = Open();
        Assert.Equal(RetainResult.InvalidTopic, await store.Set("a/+", "x"));
        Assert.Equal(RetainResult.InvalidTopic, await store.Set("a/#", "x"));
        Assert.Equal(RetainResult.InvalidTopic, await store.Set("", "x"));
        Assert.Equal(RetainResult.InvalidTopic, await store.ClearAsync("a\0b"));
        Assert.Throws<ArgumentException>(() => store.Match("a/#/b"));
    }

    [Fact]
    public async Task Wildcard_lookups_follow_MQTT_matching_with_the_real_topic_names()
    {
        var store = Open();
        string[] topics = ["foo", "foo/bar", "foo/bar/baz", "foo/qux", "other/bar", "/leading", "a//b", "$SYS/broker/uptime", "$share-ish/x"];
        foreach (var topic in topics) await store.Set(topic, "payload of " + topic);

        Assert.Equal(["/leading", "a//b", "foo", "foo/bar", "foo/bar/baz", "foo/qux", "other/bar"], store.Topics("#"));
        Assert.Equal(["foo", "foo/bar", "foo/bar/baz", "foo/qux"], store.Topics("foo/#"));
        Assert.Equal(["foo/bar", "foo/qux"], store.Topics("foo/+"));
        Assert.Equal(["foo/bar", "other/bar"], store.Topics("+/bar"));
        Assert.Equal(["foo/bar/baz"], store.Topics("+/+/baz"));
        Assert.Equal(["foo/bar", "foo/bar/baz", "foo/qux"], store.Topics("foo/+/#")); // "foo/bar/#" matches "foo/bar"
        Assert.Equal(["foo/bar"], store.Topics("foo/bar"));
        Assert.Equal(["/leading"], store.Topics("+/leading"));
        Assert.Equal(["a//b"], store.Topics("a/+/b"));
        Assert.Equal(["foo"], store.Topics("+"));
        Assert.Empty(store.Topics("foo/bar/baz/+"));
        Assert.Equal(["foo/bar/baz"], store.Topics("foo/bar/baz/#"));

        // $ topics: only a filter whose first level is literal reaches them.
        Assert.Equal(["$SYS/broker/uptime"], store.Topics("$SYS/#"));
        Assert.Equal(["$SYS/broker/uptime"], store.Topics("$SYS/+/uptime"));
        Assert.Empty(store.Topics("+/broker/uptime"));

        // Each match carries its own topic and payload, never the filter or a truncated name.
        foreach (var message in store.Match("#"))
        {
            Assert.Equal("payload of " + message.Topic, message.PayloadText());
        }

        // Agrees with the topic helper everyone else uses, for every filter over every topic.
        string[] filters = ["#", "+", "+/+", "+/#", "foo/#", "foo/+/baz", "/+", "+/+/+", "$SYS/#", "a/+/b", "foo/bar/#"];
        foreach (var filter in filters)
        {
            var expected = topics.Where(t => Tidings.Mqtt.Topics.MqttTopicFilter.Matches(filter, t)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, store.Topics(filter));
        }
    }

    [Fact]
    public async Task A_narrow_filter_visits_only_its_subtree_of_ten_thousand_topics()
    {
        var store = Open(Options() with { Fsync = false });
        var sets = new List<Task<RetainResult>>();
        for (int i = 0; i < 100; i++)
        {
            for (int j = 0; j < 100; j++)
            {
                sets.Add(store.SetAsync(Retain.Text($"site{i}/sensor{j}/temp", "21", Clock)).AsTask());
            }
        }

        await Task.WhenAll(sets);
        Assert.Equal(10_000, store.Count);

        using var exact = store.Match("site42/sensor7/temp").GetEnumerator();
        Assert.True(exact.MoveNext());
        Assert.Equal("site42/sensor7/temp", exact.Current.Topic);
        Assert.False(exact.MoveNext());
        Assert.Equal(4, exact.NodesVisited); // root, site42, sensor7, temp

        using var subtree = store.Match("site42/#").GetEnumerator();
        int found = 0;
        while (subtree.MoveNext()) found++;
        Assert.Equal(100, found);
        Assert.Equal(1 + 1 + 100 + 100, subtree.NodesVisited); // root, site42, its 100 sensors, their temps

        using var plus = store.Match("+/sensor7/temp").GetEnumerator();
        found = 0;
        while (plus.MoveNext()) found++;
        Assert.Equal(100, found);
        Assert.Equal(1 + 100 + 100 + 100, plus.NodesVisited); // root, every site, one sensor each, its temp
    }

    [Fact]
    public async Task Lookup_streams_and_can_resume_after_a_pause()
    {
        var store = Open();
        for (int i = 0; i < 50; i++) await store.Set($"s/{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var walk = store.Match("s/#").GetEnumerator();
        var seen = new List<string>();
        for (int i = 0; i < 10 && walk.MoveNext(); i++) seen.Add(walk.Current.Topic);

        // The client's window is full; meanwhile others publish. Then the walk resumes.
        await store.Set("elsewhere", "x");
        while (walk.MoveNext()) seen.Add(walk.Current.Topic);
        Assert.Equal(50, seen.Distinct().Count());
    }

    [Fact]
    public async Task Properties_qos_and_payload_bytes_round_trip()
    {
        var store = Open();
        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var message = new RetainedMessage("dev/ü/state", payload, MqttQos.ExactlyOnce, Clock.Now)
        {
            PayloadFormatIndicator = 1,
            MessageExpiryInterval = 3600,
            ContentType = "application/json",
            ResponseTopic = "dev/reply",
            CorrelationData = new byte[] { 0, 1, 2, 255 },
            UserProperties = [new("k", "v1"), new("k", "v2"), new("é", "")],
        };
        Assert.Equal(RetainResult.Stored, await store.SetAsync(message));
        AssertSame(message, Assert.Single(store.Match("dev/+/state")));
        AssertSame(message, Reopen(store)?.Get("dev/ü/state") ?? message);
    }

    /// <summary>The durable suite reopens its directory; the in-memory one returns null.</summary>
    private protected virtual RetainedStore? Reopen(RetainedStore store) => null;

    private protected static void AssertSame(RetainedMessage expected, RetainedMessage actual)
    {
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.Qos, actual.Qos);
        Assert.Equal(expected.StoredAt.ToUnixTimeMilliseconds(), actual.StoredAt.ToUnixTimeMilliseconds());
        Assert.Equal(expected.PayloadFormatIndicator, actual.PayloadFormatIndicator);
        Assert.Equal(expected.MessageExpiryInterval, actual.MessageExpiryInterval);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.ResponseTopic, actual.ResponseTopic);
        Assert.Equal(expected.CorrelationData?.ToArray(), actual.CorrelationData?.ToArray());
        Assert.Equal(expected.UserProperties, actual.UserProperties);
    }

    [Fact]
    public async Task Messages_without_properties_stay_without()
    {
        var store = Open();
        await store.Set("plain", "3.1.1 message", Clock);
        var stored = store.Get("plain")!;
        Assert.Null(stored.ToProperties(Clock.Now));
        Assert.Null(stored.CorrelationData);
        Assert.Empty(stored.UserProperties);
    }

    [Fact]
    public async Task Expiry_counts_down_and_expired_messages_are_dropped_at_lookup()
    {
        var store = Open();
        await store.SetAsync(Retain.Text("exp/short", "x", Clock) is var m ? new RetainedMessage(m.Topic, m.Payload, m.Qos, m.StoredAt) { MessageExpiryInterval = 10 } : null!);
        await store.Set("exp/forever", "y", Clock);

        Clock.Now += TimeSpan.FromSeconds(3.5);
        var live = store.Get("exp/short")!;
        Assert.Equal(7u, live.RemainingExpiry(Clock.Now));
        Assert.Equal(7u, live.ToProperties(Clock.Now)!.MessageExpiryInterval);

        Clock.Now += TimeSpan.FromSeconds(6.5);
        Assert.Equal(["exp/forever"], store.Topics("exp/#"));
        Assert.Equal(1, store.Count);
        Assert.Null(store.Get("exp/short"));
        Assert.Equal(RetainResult.Stored, await store.Set("exp/short", "again", Clock));
    }

    [Fact]
    public async Task FromPublish_copies_the_payload_and_keeps_only_message_properties()
    {
        var store = Open();
        var buffer = Encoding.UTF8.GetBytes("receive buffer");
        var properties = new MqttProperties { ContentType = "text/plain", TopicAlias = 3, SubscriptionIdentifiers = [5] }.AddUserProperty("a", "b");
        var message = RetainedMessage.FromPublish("t", buffer, MqttQos.AtLeastOnce, properties, Clock.Now);
        buffer.AsSpan().Clear();
        await store.SetAsync(message);
        var delivered = store.Get("t")!.ToProperties(Clock.Now)!;
        Assert.Equal("receive buffer", store.Get("t")!.PayloadText());
        Assert.Equal("text/plain", delivered.ContentType);
        Assert.Null(delivered.TopicAlias);
        Assert.Null(delivered.SubscriptionIdentifiers);
        Assert.Equal([new MqttUserProperty("a", "b")], delivered.UserProperties!);
    }

    [Fact]
    public async Task Limits_refuse_with_a_result_and_keep_the_old_message()
    {
        var store = Open(Options() with { MaxCount = 2, MaxMessageBytes = 20, MaxTotalBytes = 30 });
        Assert.Equal(RetainResult.Stored, await store.Set("a", "0123456789"));     // 11 bytes
        Assert.Equal(RetainResult.MessageTooLarge, await store.Set("a", new string('x', 20)));
        Assert.Equal("0123456789", store.Get("a")!.PayloadText());
        Assert.Equal(RetainResult.Stored, await store.Set("b", "0123456789"));     // 22 in all
        Assert.Equal(RetainResult.CountLimitReached, await store.Set("c", "1"));
        Assert.True(RetainResult.CountLimitReached.IsRefused());
        Assert.Equal(RetainResult.Replaced, await store.Set("b", "short"));         // replacing never hits the count limit
        Assert.Equal(RetainResult.TotalBytesLimitReached, await store.Set("b", new string('y', 19)));
        Assert.Equal("short", store.Get("b")!.PayloadText());
        await store.ClearAsync("a");
        Assert.Equal(RetainResult.Stored, await store.Set("c", "1"));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public async Task Parallel_writers_and_readers_end_in_a_consistent_state()
    {
        var store = Open(Options() with { Fsync = false });
        const int writers = 8, rounds = 300;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            long seen = 0;
            while (!stop.IsCancellationRequested)
            {
                foreach (var message in store.Match("w/#"))
                {
                    Assert.StartsWith("w/", message.Topic);
                    Assert.StartsWith(message.Topic + "=", message.PayloadText()); // never another topic's payload
                    seen++;
                }
            }

            return seen;
        })).ToArray();

        var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < rounds; i++)
            {
                string topic = $"w/{w}/{i % 20}";
                if (i % 7 == 6) await store.ClearAsync(topic);
                else Assert.True((await store.Set(topic, $"{topic}={i}")).IsSuccess());
            }
        })).ToArray();
        await Task.WhenAll(writerTasks);
        stop.Cancel();
        await Task.WhenAll(readers);

        // Replay each writer's sequence to know what must be left.
        var expected = new Dictionary<string, string>();
        for (int w = 0; w < writers; w++)
        {
            for (int i = 0; i < rounds; i++)
            {
                string topic = $"w/{w}/{i % 20}";
                if (i % 7 == 6) expected.Remove(topic); else expected[topic] = $"{topic}={i}";
            }
        }

        var actual = store.Match("#").ToDictionary(m => m.Topic, m => m.PayloadText());
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Count, store.Count);
        var reopened = Reopen(store);
        if (reopened is not null)
        {
            Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal),
                reopened.Match("#").ToDictionary(m => m.Topic, m => m.PayloadText()).OrderBy(p => p.Key, StringComparer.Ordinal));
        }
    }
}

public sealed class InMemoryRetainedStoreTests : RetainedStoreTests
{
    private protected override RetainedStoreOptions Options() => new() { TimeProvider = Clock };

    [Fact]
    public void An_in_memory_store_is_not_durable()
    {
        var store = Open();
        Assert.False(store.IsDurable);
        Assert.Same(RetainedRecoveryReport.Empty, store.Recovery);
    }
}

public sealed class DurableRetainedStoreTests : RetainedStoreTests
{
    private readonly TempDirectory _directory = new();

    private protected override RetainedStoreOptions Options() => new() { TimeProvider = Clock, Directory = _directory.Path };

    /// <summary>Closes the store and opens its directory again, as after a restart.</summary>
    private protected override RetainedStore? Reopen(RetainedStore store)
    {
        store.Dispose();
        return Open();
    }

    public override void Dispose()
    {
        base.Dispose();
        _directory.Dispose();
    }
}
