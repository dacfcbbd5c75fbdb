using Tidings.Core.Sessions;

namespace Tidings.Core.Tests.Support;

/// <summary>A consumer sink that remembers every delivery and broker cancellation, thread-safely.</summary>
public sealed class RecordingSink : IConsumerSink
{
    /// <summary>Guards both lists.</summary>
    private readonly Lock _lock = new();
    /// <summary>Deliveries in the order the broker handed them over.</summary>
    private readonly List<Delivery> _deliveries = [];
    /// <summary>Consumers the broker cancelled (their queue was deleted).</summary>
    private readonly List<Consumer> _cancelled = [];
    /// <summary>Released once per delivery, so a polling reader can wait instead of spinning.</summary>
    private readonly SemaphoreSlim _arrived = new(0);

    /// <summary>A snapshot of the deliveries so far.</summary>
    public IReadOnlyList<Delivery> Deliveries
    {
        get { lock (_lock) return [.. _deliveries]; }
    }

    /// <summary>The bodies of the deliveries so far, as UTF-8 text.</summary>
    public IReadOnlyList<string> Bodies => [.. Deliveries.Select(d => d.Message.Text())];

    /// <summary>A snapshot of the consumers cancelled by the broker.</summary>
    public IReadOnlyList<Consumer> Cancelled
    {
        get { lock (_lock) return [.. _cancelled]; }
    }

    /// <summary>The deliveries from position <paramref name="start"/> on (for a reader polling for new ones).</summary>
    public List<Delivery> Since(int start)
    {
        lock (_lock) return start >= _deliveries.Count ? [] : _deliveries.GetRange(start, _deliveries.Count - start);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a delivery not yet waited for; false on timeout.</summary>
    public bool WaitForDelivery(TimeSpan timeout) => _arrived.Wait(timeout);

    /// <summary>The most recent delivery.</summary>
    public Delivery Last
    {
        get { lock (_lock) return _deliveries[^1]; }
    }

    /// <inheritdoc />
    public void Deliver(in Delivery delivery)
    {
        lock (_lock) _deliveries.Add(delivery);
        _arrived.Release();
    }

    /// <inheritdoc />
    public void CancelledByBroker(Consumer consumer)
    {
        lock (_lock) _cancelled.Add(consumer);
    }
}
