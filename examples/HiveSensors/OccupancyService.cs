using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.Examples.HiveSensors;

/// <summary>
/// The app service, over AMQP 0-9-1 with RabbitMQ.Client, written as it would be for RabbitMQ's
/// MQTT plugin: a durable queue bound to <c>amq.topic</c> with <c>hives.*.sensors.*</c> (reports)
/// and <c>hives.*.sensors.*.status</c> gets every sensor message; each is acked only after it was
/// counted, so a report published while the service is down waits in the queue.
/// <para>
/// Occupancy of a hive = Σ over its sensors of (entries − exits) since the sensor's start-up,
/// taken from each sensor's newest report: the totals make a redelivered or repeated report
/// harmless. When a hive goes above its threshold (or back to it) an alert is published to
/// <c>alerts/hive/&lt;hive&gt;</c> (AMQP key <c>alerts.hive.&lt;hive&gt;</c>), where MQTT dashboards
/// and AMQP services alike can subscribe.
/// </para>
/// </summary>
public sealed class OccupancyService : IAsyncDisposable
{
    public const string QueueName = "hive-occupancy";

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly int _threshold;
    /// <summary>The newest report of each sensor, by hive then sensor id.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, SensorReport>> _reports = new();
    private readonly ConcurrentDictionary<string, SensorStatus> _status = new();
    private readonly ConcurrentDictionary<string, bool> _overThreshold = new();
    private readonly ConcurrentQueue<OccupancyAlert> _alerts = new();
    private long _reportsCounted;

    private OccupancyService(IConnection connection, IChannel channel, int threshold)
    {
        _connection = connection;
        _channel = channel;
        _threshold = threshold;
    }

    /// <summary>
    /// Connects (with RabbitMQ.Client's automatic recovery, so the service rides out a broker
    /// restart), declares and binds its queue and starts consuming.
    /// </summary>
    public static async Task<OccupancyService> StartAsync(Uri amqp, int threshold, CancellationToken cancellation = default)
    {
        var factory = new ConnectionFactory
        {
            Uri = amqp,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromMilliseconds(500),
        };
        var connection = await factory.CreateConnectionAsync("hive occupancy service", cancellation);
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellation);
        var service = new OccupancyService(connection, channel, threshold);
        await channel.QueueDeclareAsync(QueueName, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellation);
        await channel.QueueBindAsync(QueueName, HiveTopics.Exchange, HiveTopics.AllReportsKey, cancellationToken: cancellation);
        await channel.QueueBindAsync(QueueName, HiveTopics.Exchange, HiveTopics.AllStatusKey, cancellationToken: cancellation);
        await channel.BasicQosAsync(0, 50, false, cancellation);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += service.OnMessageAsync;
        await channel.BasicConsumeAsync(QueueName, autoAck: false, consumer, cancellation);
        return service;
    }

    /// <summary>People inside a hive now, as far as its sensors' newest reports tell.</summary>
    public int OccupancyOf(string hive) =>
        _reports.TryGetValue(hive, out var sensors) ? sensors.Values.Sum(r => r.Occupancy) : 0;

    /// <summary>The alerts published so far, oldest first.</summary>
    public IReadOnlyList<OccupancyAlert> Alerts => [.. _alerts];

    /// <summary>Reports counted (repeats included).</summary>
    public long ReportsCounted => Interlocked.Read(ref _reportsCounted);

    /// <summary>The newest status message of a sensor, if any came.</summary>
    public SensorStatus? StatusOf(string sensor) => _status.TryGetValue(sensor, out var status) ? status : null;

    public bool IsOpen => _connection.IsOpen;

    private async Task OnMessageAsync(object sender, BasicDeliverEventArgs e)
    {
        // Routing key hives.<hive>.sensors.<sensor>[.status]
        string[] parts = e.RoutingKey.Split('.');
        if (parts.Length is 4 && SensorReport.TryDecode(e.Body.Span, out var report))
        {
            await CountAsync(parts[1], parts[3], report);
        }
        else if (parts.Length is 5 && parts[4] == "status" && SensorStatus.TryDecode(e.Body.Span, out var status))
        {
            _status[parts[3]] = status;
        }
        // Anything else is not ours to understand; acked so it does not come back forever.
        await _channel.BasicAckAsync(e.DeliveryTag, multiple: false);
    }

    private async Task CountAsync(string hive, string sensor, SensorReport report)
    {
        var sensors = _reports.GetOrAdd(hive, _ => new ConcurrentDictionary<string, SensorReport>());
        sensors.AddOrUpdate(sensor, report, (_, known) => IsNewer(report, known) ? report : known);
        Interlocked.Increment(ref _reportsCounted);
        int occupancy = OccupancyOf(hive);
        bool over = occupancy > _threshold;
        if (_overThreshold.GetValueOrDefault(hive) == over) return;
        _overThreshold[hive] = over;
        var alert = new OccupancyAlert(hive, occupancy, _threshold, over);
        _alerts.Enqueue(alert);
        await _channel.BasicPublishAsync(HiveTopics.Exchange, HiveTopics.AlertKey(hive), mandatory: false,
            new BasicProperties { ContentType = "application/json", Persistent = true }, JsonSerializer.SerializeToUtf8Bytes(alert));
    }

    /// <summary>A start-up report begins a new count; otherwise later time, or as late with more events, wins.</summary>
    private static bool IsNewer(SensorReport report, SensorReport known)
    {
        if (report.Time != known.Time) return report.Time > known.Time;
        if (report.Type == ReportType.StartUp) return false;
        return report.EntriesTotal + report.ExitsTotal >= known.EntriesTotal + known.ExitsTotal;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_channel.IsOpen) await _channel.CloseAsync();
            if (_connection.IsOpen) await _connection.CloseAsync();
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
        {
            // Already closed by the broker.
        }
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

/// <summary>A hive went above its threshold (<see cref="Over"/>) or came back to it.</summary>
public sealed record OccupancyAlert(string Hive, int Occupancy, int Threshold, bool Over);
