using Microsoft.Extensions.Hosting;
using Tidings.Core;

namespace Tidings.Http.Common;

/// <summary>
/// Samples the broker's message counters every few seconds so the API can show rates
/// (messages per second) without touching the message path: counters are plain interlocked
/// adds there, rates are computed here from the difference between two samples.
/// </summary>
public sealed class StatsSampler(Broker broker) : BackgroundService
{
    /// <summary>How often counters are sampled.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>How many overview samples are kept for the dashboard's chart (10 minutes).</summary>
    public const int HistoryLength = 120;

    private readonly Lock _lock = new();
    /// <summary>Last sampled counters per stats object, to compute rates. Written under _lock; rates read without it.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<MessageStats, Sample> _last = new();
    private readonly Queue<OverviewSample> _history = new();
    /// <summary>Last sampled pair of gauges (queue ready/unacked, connection recv/send bytes). Written under _lock; read without it.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, PairSample> _pairs = new();

    /// <summary>A point of the overview chart.</summary>
    public sealed record OverviewSample(DateTimeOffset Time, double PublishRate, double DeliverRate, double AckRate,
        long Ready, long Unacked);

    private sealed class Sample
    {
        public long[] Counts = new long[MessageStats.All.Count];
        public double[] Rates = new double[MessageStats.All.Count];
        public DateTimeOffset Time;
    }

    private sealed class PairSample
    {
        public long First, Second;
        public double FirstRate, SecondRate;
        public DateTimeOffset Time;
    }

    /// <summary>How fast a queue's ready and unacked counts changed over the last interval (per second).</summary>
    public (double Ready, double Unacked) LengthRatesOf(Tidings.Core.Queues.IQueue queue) => PairRates(queue);

    /// <summary>Bytes per second a connection received and sent over the last interval.</summary>
    public (double Received, double Sent) TrafficRatesOf(Tidings.Core.Sessions.ClientConnection connection) => PairRates(connection);

    // Readers do not take _lock: a pass over 100k queues holds it for seconds, and an API request
    // must not wait for that. The table is thread-safe and a rate is one atomic double read.
    private (double, double) PairRates(object owner) =>
        _pairs.TryGetValue(owner, out var s) ? (Volatile.Read(ref s.FirstRate), Volatile.Read(ref s.SecondRate)) : (0.0, 0.0);

    /// <summary>The rate (per second) of a counter over the last sampling interval; 0 before two samples.</summary>
    public double RateOf(MessageStats stats, MessageStat stat)
    {
        // Without _lock, as PairRates.
        return _last.TryGetValue(stats, out var s) ? Volatile.Read(ref s.Rates[(int)stat]) : 0.0;
    }

    /// <summary>The overview chart points, oldest first.</summary>
    public IReadOnlyList<OverviewSample> History
    {
        get { lock (_lock) return [.. _history]; }
    }

    /// <summary>Takes one sample of every stats object now (also used by tests).</summary>
    public void SampleNow()
    {
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            foreach (var vhost in broker.VirtualHosts)
            {
                Update(vhost.Stats, now);
                foreach (var exchange in vhost.Exchanges) Update(exchange.Stats, now);
                foreach (var queue in vhost.Queues)
                {
                    Update(queue.Stats, now);
                    UpdatePair(queue, queue.MessageCount, queue.UnackedCount, now);
                }
            }
            foreach (var connection in broker.Connections)
            {
                UpdatePair(connection, connection.BytesReceived, connection.BytesSent, now);
                foreach (var session in connection.Sessions) Update(session.Stats, now);
            }

            double publish = 0, deliver = 0, ack = 0;
            long ready = 0, unacked = 0;
            foreach (var vhost in broker.VirtualHosts)
            {
                var rates = _last.TryGetValue(vhost.Stats, out var s) ? s.Rates : null;
                if (rates is not null)
                {
                    publish += rates[(int)MessageStat.Publish];
                    deliver += rates[(int)MessageStat.Deliver] + rates[(int)MessageStat.DeliverNoAck]
                             + rates[(int)MessageStat.Get] + rates[(int)MessageStat.GetNoAck];
                    ack += rates[(int)MessageStat.Ack];
                }
                foreach (var queue in vhost.Queues)
                {
                    ready += queue.MessageCount;
                    unacked += queue.UnackedCount;
                }
            }
            _history.Enqueue(new OverviewSample(now, publish, deliver, ack, ready, unacked));
            while (_history.Count > HistoryLength) _history.Dequeue();
        }
    }

    private void Update(MessageStats stats, DateTimeOffset now)
    {
        var sample = _last.GetOrCreateValue(stats);
        double seconds = (now - sample.Time).TotalSeconds;
        foreach (var stat in MessageStats.All)
        {
            long count = stats[stat];
            int i = (int)stat;
            sample.Rates[i] = sample.Time == default || seconds <= 0 ? 0.0 : (count - sample.Counts[i]) / seconds;
            sample.Counts[i] = count;
        }
        sample.Time = now;
    }

    private void UpdatePair(object owner, long first, long second, DateTimeOffset now)
    {
        var sample = _pairs.GetOrCreateValue(owner);
        double seconds = (now - sample.Time).TotalSeconds;
        bool firstSample = sample.Time == default || seconds <= 0;
        sample.FirstRate = firstSample ? 0.0 : (first - sample.First) / seconds;
        sample.SecondRate = firstSample ? 0.0 : (second - sample.Second) / seconds;
        (sample.First, sample.Second, sample.Time) = (first, second, now);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        SampleNow();
        try
        {
            // A failing sample is reported and the next tick tries again: rates must not stop for good.
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                broker.Faults.Guard("statistics sampler", this, static sampler => sampler.SampleNow());
        }
        catch (OperationCanceledException)
        {
        }
    }
}
