using System.Globalization;

namespace Tidings.PerfTest;

/// <summary>
/// The once-a-second line: rates over the last second and the p99 of the latencies recorded in it
/// (the difference of two snapshots of the consumers' histograms, so recording stays lock-free).
/// </summary>
internal sealed class LiveReporter(IReadOnlyList<Producer> producers, IReadOnlyList<Consumer> consumers, bool confirming)
{
    // Totals at the previous line.
    private long _sent;
    private long _confirmed;
    private long _received;

    // All consumers' latencies summed at the previous line; the sum now; what came in between.
    // Allocated once: a live line costs three array passes, not allocations.
    private LogLinearHistogram _previousTotals = new();
    private LogLinearHistogram _totals = new();
    private readonly LogLinearHistogram _window = new();

    public string Line(int second)
    {
        long sent = 0, confirmed = 0, outstanding = 0, received = 0;
        foreach (var p in producers)
        {
            sent += p.Sent;
            confirmed += p.Confirmed;
            outstanding += p.Outstanding;
        }
        foreach (var c in consumers)
        {
            received += c.Received;
        }

        _totals.Clear();
        foreach (var c in consumers)
        {
            _totals.Add(c.Latency);
        }
        _totals.CopyTo(_window);
        _window.Subtract(_previousTotals);
        (_previousTotals, _totals) = (_totals, _previousTotals);
        string p99 = _window.Count > 0 ? FormatMicros(_window.ValueAtPercentile(99)) : "-";

        string line = string.Create(CultureInfo.InvariantCulture,
            $"t={second}s sent={sent - _sent} msg/s confirmed={(confirming ? confirmed - _confirmed : 0)} msg/s outstanding={outstanding} received={received - _received} msg/s p99={p99}");
        _sent = sent;
        _confirmed = confirmed;
        _received = received;
        return line;
    }

    public static string FormatMicros(long micros) => micros switch
    {
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{micros}us"),
        < 10_000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1000.0:0.00}ms"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1000.0:0.0}ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000.0:0.00}s"),
    };
}
