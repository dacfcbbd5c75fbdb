using System.Buffers;

namespace Tidings.Core;

/// <summary>
/// Metrics protocol adapters add to a broker (retained messages, dropped deliveries, ...), which
/// the metrics endpoint exports after the broker's own families without knowing any protocol:
/// the HTTP project does not reference the adapters. Registering is idempotent by name, since
/// several listeners of one protocol share a broker; reading is lock-free (a copied array).
/// </summary>
public sealed class MetricRegistry
{
    /// <summary>The characters of a Prometheus metric name (the first may not be a digit).</summary>
    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");

    /// <summary>Guards writes of <see cref="_metrics"/> and <see cref="_counters"/>.</summary>
    private readonly Lock _lock = new();
    /// <summary>Replaced, never changed, so a scrape reads it without the lock; in registration order.</summary>
    private RegisteredMetric[] _metrics = [];
    private readonly Dictionary<string, MetricCounter> _counters = new(StringComparer.Ordinal);

    /// <summary>Every registered metric, in registration order.</summary>
    public IReadOnlyList<RegisteredMetric> All => Volatile.Read(ref _metrics);

    /// <summary>
    /// The counter named <paramref name="name"/>, created on first use; later calls return the same
    /// one, so every listener and connection of a protocol adds to one count.
    /// </summary>
    /// <exception cref="ArgumentException">Not a valid metric name, or a gauge has the name.</exception>
    public MetricCounter Counter(string name, string help)
    {
        CheckName(name);
        lock (_lock)
        {
            if (_counters.TryGetValue(name, out var existing)) return existing;
            if (Find(name) is not null) throw new ArgumentException($"metric '{name}' is registered as a gauge", nameof(name));
            var counter = new MetricCounter();
            _counters[name] = counter;
            Append(new RegisteredMetric(name, "counter", help, () => counter.Value));
            return counter;
        }
    }

    /// <summary>
    /// Adds a gauge read by <paramref name="read"/> at each scrape. A gauge already registered under
    /// the name is kept (another listener of the same protocol registered it).
    /// </summary>
    /// <exception cref="ArgumentException">Not a valid metric name, or a counter has the name.</exception>
    public void Gauge(string name, string help, Func<long> read)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(read);
        lock (_lock)
        {
            if (_counters.ContainsKey(name)) throw new ArgumentException($"metric '{name}' is registered as a counter", nameof(name));
            if (Find(name) is null) Append(new RegisteredMetric(name, "gauge", help, read));
        }
    }

    private RegisteredMetric? Find(string name) => Array.Find(_metrics, m => m.Name == name);

    private void Append(RegisteredMetric metric) => Volatile.Write(ref _metrics, [.. _metrics, metric]);

    private static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.AsSpan().ContainsAnyExcept(NameChars) || char.IsAsciiDigit(name[0]))
            throw new ArgumentException($"'{name}' is not a Prometheus metric name", nameof(name));
    }
}
