using System.Diagnostics;

namespace Tidings.MqttBench;

/// <summary>
/// Sends PUBLISH packets on one connection: as fast as the socket takes them, in batches of
/// <see cref="Batch"/> (QoS 1 with at most <c>window</c> unacknowledged), or at a fixed rate
/// with each message its own write, as an application publishing events one by one does.
/// </summary>
internal sealed class Publisher
{
    private const int Batch = 64;
    private readonly RawMqttClient _client;
    private readonly PublishTemplate _template;
    private readonly int _qos;
    private readonly SemaphoreSlim _window;
    private readonly byte[] _batch;
    private long _sequence;
    private long _acknowledged;

    public Publisher(RawMqttClient client, string topic, int qos, int size, int window)
    {
        _client = client;
        _qos = qos;
        _template = MqttWire.PublishTemplate(topic, qos, size);
        _window = new SemaphoreSlim(window, window);
        _batch = new byte[_template.Packet.Length * Batch];
        for (int i = 0; i < Batch; i++) _template.Packet.CopyTo(_batch, i * _template.Packet.Length);
        client.Acknowledged = count =>
        {
            Interlocked.Add(ref _acknowledged, count);
            _window.Release(count);
        };
    }

    public long Published => Interlocked.Read(ref _sequence);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Publishes until <paramref name="stop"/> or until <paramref name="limit"/> messages were sent.</summary>
    public async Task FloodAsync(long limit, CancellationToken stop)
    {
        int length = _template.Packet.Length;
        try
        {
            while (!stop.IsCancellationRequested && _sequence < limit)
            {
                int count = (int)Math.Min(Batch, limit - _sequence);
                if (_qos > 0)
                {
                    await _window.WaitAsync(stop);
                    int granted = 1;
                    while (granted < count && _window.Wait(0)) granted++;
                    count = granted;
                }
                long now = Stopwatch.GetTimestamp();
                for (int i = 0; i < count; i++)
                {
                    long sequence = _sequence + i;
                    _template.Stamp(_batch, i * length, PacketId(sequence), sequence, now);
                }
                await _client.SendAsync(_batch.AsMemory(0, count * length), stop);
                Interlocked.Add(ref _sequence, count);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Publishes <paramref name="rate"/> messages a second, each in its own write, until <paramref name="stop"/>.</summary>
    public async Task PaceAsync(int rate, CancellationToken stop)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                long due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate);
                while (_sequence < due && !stop.IsCancellationRequested)
                {
                    if (_qos > 0) await _window.WaitAsync(stop);
                    _template.Stamp(PacketId(_sequence), _sequence, Stopwatch.GetTimestamp());
                    await _client.SendAsync(_template.Packet, stop);
                    Interlocked.Increment(ref _sequence);
                }
                await Task.Delay(1, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits until every QoS 1 publish was acknowledged, or the timeout passes.</summary>
    public async Task<bool> WaitForAcknowledgementsAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Acknowledged < Published && Stopwatch.GetTimestamp() < deadline) await Task.Delay(10);
        return Acknowledged >= Published;
    }

    private static ushort PacketId(long sequence) => (ushort)(sequence % 65535 + 1);
}
