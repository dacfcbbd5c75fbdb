using BenchmarkDotNet.Attributes;
using Tidings.Core;
using Tidings.Core.Exchanges;
using Tidings.Core.Messages;

namespace Tidings.MicroBench.Core;

/// <summary>
/// Topic routing against 100,000 bindings from 1,000 queues. The bindings mix exact keys
/// (<c>sensor.&lt;n&gt;.temp</c>, 80,000), per-region subtrees (<c>region.&lt;k&gt;.#</c>, 10,000),
/// per-device wildcards (<c>device.&lt;n&gt;.status.*</c>), and a few broad patterns bound by many
/// queues (<c>sensor.*.humidity</c>, <c>alerts.#</c>, 16 each). Routing keys cycle over the five
/// shapes (1, 16, 16, 1 and 1 matching queues). One operation = one routing key matched with
/// <see cref="Exchange"/>'s internal <c>Match</c>, the call <c>VirtualHost.Route</c> makes.
/// </summary>
[MemoryDiagnoser]
public class TopicMatchingBenchmarks
{
    private const int Bindings = 100_000;
    private const int Queues = 1000;
    private const int Batch = 1000;

    /// <summary>The in-memory broker holding the exchange, its queues and bindings.</summary>
    private Broker _broker = null!;
    private Exchange _exchange = null!;
    /// <summary>Messages to route, one per distinct routing key of the key set.</summary>
    private Message[] _messages = [];
    /// <summary>Reused result list, as the session's routing scratch reuses it.</summary>
    private readonly List<IBindingDestination> _matched = [];
    /// <summary>Where in <see cref="_messages"/> the next batch starts.</summary>
    private int _next;

    /// <summary>
    /// Same: one routing key over and over (always a cache hit). Keys1k: 1,000 distinct keys, which fit
    /// the exchange's match cache. Keys100k: 100,000 distinct keys in rotation, more than the cache
    /// holds, so every lookup walks the trie and the cache is cleared every 4,096 keys.
    /// </summary>
    [Params("Same", "Keys1k", "Keys100k")]
    public string KeySet { get; set; } = "Same";

    [GlobalSetup]
    public void Setup()
    {
        _broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 });
        var vhost = _broker.DefaultVirtualHost;
        _exchange = vhost.DeclareExchange("bench.topic", ExchangeTypes.Topic);
        for (int q = 0; q < Queues; q++) vhost.DeclareQueue(QueueName(q));
        foreach (var (key, queue) in BindingKeys()) vhost.BindQueue(QueueName(queue), "bench.topic", key);
        if (_exchange.Bindings.Count != Bindings)
            throw new InvalidOperationException($"expected {Bindings} bindings, got {_exchange.Bindings.Count}");

        int keys = KeySet switch { "Same" => 1, "Keys1k" => 1000, _ => 100_000 };
        _messages = [.. Enumerable.Range(0, keys).Select(i =>
            new Message("bench.topic", RoutingKey(keys == 1 ? 12345 : i), MessageProperties.Empty, ReadOnlyMemory<byte>.Empty))];
    }

    [GlobalCleanup]
    public void Cleanup() => _broker.Dispose();

    [Benchmark(OperationsPerInvoke = Batch, Description = "topic match, 100k bindings, per routing key")]
    public int Match()
    {
        int matches = 0;
        var messages = _messages;
        int next = _next;
        for (int i = 0; i < Batch; i++)
        {
            _matched.Clear();
            _exchange.Match(messages[next], _matched);
            matches += _matched.Count;
            if (++next == messages.Length) next = 0;
        }

        _next = next;
        return matches;
    }

    private static string QueueName(int q) => $"q{q}";

    /// <summary>The 100,000 binding keys and the queue each binds.</summary>
    private static IEnumerable<(string Key, int Queue)> BindingKeys()
    {
        for (int n = 0; n < 80_000; n++) yield return ($"sensor.{n}.temp", n % Queues);
        for (int q = 0; q < 16; q++) yield return ("sensor.*.humidity", q);
        for (int q = 16; q < 32; q++) yield return ("alerts.#", q);
        for (int k = 0; k < 10_000; k++) yield return ($"region.{k}.#", k % Queues);
        for (int n = 0; n < Bindings - 80_000 - 32 - 10_000; n++) yield return ($"device.{n}.status.*", n % Queues);
    }

    /// <summary>Key <paramref name="i"/> of the rotation: five shapes, spread over the bound ranges.</summary>
    private static string RoutingKey(int i) => (i % 5) switch
    {
        0 => $"sensor.{i % 80_000}.temp",
        1 => $"sensor.{i % 80_000}.humidity",
        2 => $"alerts.disk.{i}.full",
        3 => $"region.{i % 10_000}.building.{i % 7}.floor.{i % 3}",
        _ => $"device.{i % 9_968}.status.online",
    };
}
