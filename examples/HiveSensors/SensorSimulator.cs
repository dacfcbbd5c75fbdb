using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Tidings.Examples.HiveSensors;

/// <summary>
/// One presence sensor at a hive's door. It counts entries and exits, and reports over MQTT 3.1.1
/// at QoS 1 from a persistent session (clean session off): its configuration subscription and
/// any command sent while it is offline wait for it in the broker. Reports go to an outbox first
/// and leave it only once the broker acknowledged them (PUBACK), so a report made while the broker
/// is unreachable is sent after the next connect instead of being lost.
/// </summary>
public sealed class SensorSimulator : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly TimeProvider _time;
    private readonly DateTime _startedAt;
    /// <summary>Guards the counters and the outbox: counting runs on the caller, configuration on MQTTnet's thread.</summary>
    private readonly Lock _lock = new();
    private readonly Queue<(string Topic, byte[] Payload)> _outbox = new();
    private SensorConfiguration _configuration = SensorConfiguration.Default;
    private ushort _entriesSinceLast, _exitsSinceLast, _entriesTotal, _exitsTotal;
    private uint _reportsSent;
    private int _configurationsReceived;

    public SensorSimulator(string hive, string sensorId, TimeProvider? time = null)
    {
        Hive = hive;
        SensorId = sensorId;
        _time = time ?? TimeProvider.System;
        _startedAt = _time.GetUtcNow().UtcDateTime;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == HiveTopics.Commands(SensorId)
                && SensorConfiguration.TryDecode(e.ApplicationMessage.Payload.ToArray(), out var configuration))
            {
                lock (_lock) _configuration = configuration;
                Interlocked.Increment(ref _configurationsReceived);
            }
            return Task.CompletedTask;
        };
        // The device's first report after power-up.
        Enqueue(ReportType.StartUp);
    }

    public string Hive { get; }

    public string SensorId { get; }

    /// <summary>The configuration it runs (the default until one arrives on its commands topic).</summary>
    public SensorConfiguration Configuration
    {
        get { lock (_lock) return _configuration; }
    }

    /// <summary>How many configuration messages arrived (retained or live).</summary>
    public int ConfigurationsReceived => Volatile.Read(ref _configurationsReceived);

    /// <summary>Reports and status messages made but not yet acknowledged by the broker.</summary>
    public int Pending
    {
        get { lock (_lock) return _outbox.Count; }
    }

    /// <summary>Reports the broker acknowledged.</summary>
    public uint ReportsSent
    {
        get { lock (_lock) return _reportsSent; }
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// Connects with a persistent session and subscribes to its commands when the broker had no
    /// session for it. Returns whether the broker still had the session (Session Present).
    /// </summary>
    public async Task<bool> ConnectAsync(string host, int port, CancellationToken cancellation = default)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId($"sensor-{SensorId}")
            .WithCleanSession(false)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        var result = await _client.ConnectAsync(options, cancellation);
        if (!result.IsSessionPresent)
        {
            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(HiveTopics.Commands(SensorId), MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellation);
        }
        return result.IsSessionPresent;
    }

    /// <summary>A person came in; a report is made every <see cref="SensorConfiguration.EventThreshold"/> events.</summary>
    public void RecordEntry() => RecordEvent(entry: true);

    /// <summary>A person went out.</summary>
    public void RecordExit() => RecordEvent(entry: false);

    /// <summary>The reporting interval passed: a report even without events.</summary>
    public void ReportPeriodic() => Enqueue(ReportType.Periodic);

    /// <summary>The status interval passed.</summary>
    public void ReportStatus()
    {
        lock (_lock)
        {
            var uptime = (uint)(_time.GetUtcNow().UtcDateTime - _startedAt).TotalSeconds;
            var status = new SensorStatus(uptime, 3600, 215, -67, 1, 4, 2, (ushort)_configuration.ConfigurationId, _reportsSent, 0);
            _outbox.Enqueue((HiveTopics.Status(Hive, SensorId), status.Encode()));
        }
    }

    /// <summary>
    /// Sends the outbox in order, each at QoS 1, removing a message only after its PUBACK. Stops at
    /// the first failure (broker unreachable) and keeps the rest. Returns how many were sent.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken cancellation = default)
    {
        int sent = 0;
        while (_client.IsConnected)
        {
            (string Topic, byte[] Payload) next;
            lock (_lock)
            {
                if (!_outbox.TryPeek(out next)) break;
            }
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(next.Topic)
                .WithPayload(next.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            try
            {
                var result = await _client.PublishAsync(message, cancellation);
                if (!result.IsSuccess) break;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                break;
            }
            lock (_lock)
            {
                _outbox.Dequeue();
                if (next.Payload.Length == SensorReport.Size) _reportsSent++;
            }
            sent++;
        }
        return sent;
    }

    private void RecordEvent(bool entry)
    {
        lock (_lock)
        {
            if (entry)
            {
                _entriesSinceLast++;
                _entriesTotal++;
            }
            else
            {
                _exitsSinceLast++;
                _exitsTotal++;
            }
            if (_entriesSinceLast + _exitsSinceLast >= _configuration.EventThreshold) EnqueueLocked(ReportType.Events);
        }
    }

    private void Enqueue(ReportType type)
    {
        lock (_lock) EnqueueLocked(type);
    }

    private void EnqueueLocked(ReportType type)
    {
        var report = new SensorReport(_entriesSinceLast, _exitsSinceLast, _entriesTotal, _exitsTotal,
            TruncateToSeconds(_time.GetUtcNow().UtcDateTime), type);
        _outbox.Enqueue((HiveTopics.Reports(Hive, SensorId), report.Encode()));
        _entriesSinceLast = 0;
        _exitsSinceLast = 0;
    }

    private static DateTime TruncateToSeconds(DateTime time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    /// <summary>Leaves cleanly: the broker keeps the session and sends no will.</summary>
    public async Task DisconnectAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DisconnectAsync();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // The broker is already gone.
        }
        _client.Dispose();
    }
}
