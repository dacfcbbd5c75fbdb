using System.Net;
using Tidings.Connections.Heartbeats;
using Tidings.Core;
using Tidings.Mqtt;
using Tidings.Mqtt.Connection;
using Tidings.Mqtt.Retained;

namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// Whole MQTT connections: a real <see cref="MqttConnection"/> over in-memory pipes is fed a
/// mutated client session (3.1, 3.1.1 or 5.0) in random chunks, and everything it writes back is
/// checked by <see cref="MqttReplyCheck"/>. A finding is an exception the connection had to catch
/// at the top (logged at Error) or a fault reported to Broker.Faults, an answer that is not the
/// MQTT way, a connection that does not end once its input has, or one still listed by the broker
/// or the client-id registry after it ended. The health check runs a fresh valid 5.0 client
/// through subscribe, publish, delivery and ping.
/// </summary>
internal sealed class MqttTarget : IFuzzTarget
{
    /// <summary>A broker is replaced after this many connections, so one input's sessions and retained messages do not steer all later ones.</summary>
    private const int ConnectionsPerBroker = 100;

    private static readonly IPEndPoint Remote = new(IPAddress.Loopback, 40_001);
    private static readonly IPEndPoint Local = new(IPAddress.Loopback, 1883);

    private readonly IReadOnlyList<MqttSession> _corpus = MqttCorpus.Build();
    private readonly MqttMutator _mutator;
    /// <summary>Errors the connections logged and faults the broker contained; checked after each iteration.</summary>
    private readonly ErrorLog _errors = new();
    /// <summary>A small maximum packet size, so that mutated remaining lengths reach the 0x95 path instead of waiting for bytes.</summary>
    private readonly MqttOptions _options = new() { MaxPacketSize = 64 * 1024, ConnectTimeout = TimeSpan.FromSeconds(5) };
    /// <summary>One heartbeat timer for every connection, as the listener has.</summary>
    private readonly ConnectionHeartbeat _heartbeats = new(TimeProvider.System, new FaultLog());
    /// <summary>Cancelled at dispose: broker shutdown for the connections still running.</summary>
    private readonly CancellationTokenSource _shutdown = new();
    private Broker _broker;
    private int _connectionsOnBroker;
    /// <summary>In how many connections the broker sent each kind of reply: which paths the inputs reach.</summary>
    private readonly Dictionary<string, long> _replies = new(StringComparer.Ordinal);
    private long _connections;

    public MqttTarget()
    {
        _mutator = new MqttMutator(_corpus);
        _broker = NewBroker();
    }

    public string Name => "mqtt";

    public Task StartAsync() => Task.CompletedTask;

    public byte[] NextInput(Random random) => random.Next(50) == 0
        ? _corpus[random.Next(_corpus.Count)].ToBytes()
        : _mutator.Mutate(random);

    public async Task<Failure?> RunAsync(byte[] input, CancellationToken cancellation) =>
        (await RunRecordedAsync(input, cancellation).ConfigureAwait(false)).Failure;

    /// <summary>One connection, as <see cref="RunAsync"/>, and the kinds of the replies in order (for the corpus tests).</summary>
    internal async Task<(Failure? Failure, List<string> Replies)> RunRecordedAsync(byte[] input, CancellationToken cancellation)
    {
        if (++_connectionsOnBroker > ConnectionsPerBroker)
        {
            // The old broker is checked before it goes: whatever it holds must be consistent.
            if (Invariants(_broker) is { } broken) return (broken, []);
            DisposeBroker(_broker);
            _broker = NewBroker();
            _connectionsOnBroker = 1;
        }
        var (failure, output) = await RunConnectionAsync(input, ending: null, cancellation).ConfigureAwait(false);
        _connections++;
        if (output is null) return (failure, []);
        var replies = output.Frames.Select(ReplyKind).ToList();
        foreach (string kind in replies.Distinct()) _replies[kind] = _replies.GetValueOrDefault(kind) + 1;
        return (failure ?? MqttReplyCheck.Check(input, output, _options.MaxPacketSize), replies);
    }

    /// <summary>
    /// Runs one connection to its end. With <paramref name="ending"/>, the input is held open after
    /// <paramref name="input"/> until the output has a PUBLISH, then <paramref name="ending"/> is sent.
    /// </summary>
    private async Task<(Failure? Failure, MqttFraming.Result? Output)> RunConnectionAsync(byte[] input, byte[]? ending, CancellationToken cancellation)
    {
        var pipe = new DuplexPipe();
        var connection = new MqttConnection(_broker, _options, pipe.Server, Remote, Local, _errors, _heartbeats);
        var run = Task.Run(() => connection.RunAsync(_shutdown.Token), CancellationToken.None);
        var drain = new MqttOutputDrain(pipe.Client.Input);
        try
        {
            await ChunkedFeed.WriteAsync(pipe.Client.Output, input, complete: ending is null).ConfigureAwait(false);
            if (ending is not null)
            {
                await drain.WaitForAsync(o => o.Frames.Any(f => f.Type == 3), cancellation).ConfigureAwait(false);
                await ChunkedFeed.WriteAsync(pipe.Client.Output, ending).ConfigureAwait(false);
            }
            await run.WaitAsync(cancellation).ConfigureAwait(false);
            await drain.Completion.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return (new Failure("hang: the connection did not end after its input ended", $"input {input.Length} bytes"), null);
        }
        catch (Exception e)
        {
            return (Failure.FromException("exception escaped MqttConnection.RunAsync", e), null);
        }
        var output = MqttFraming.Split(drain.Snapshot(), 0, fromServer: true);
        if (_errors.Take() is { } logged)
        {
            var exception = logged.Exception;
            return (exception is null
                ? new Failure("connection logged an error", logged.Text)
                : Failure.FromException("exception caught at the top of the connection or reported as a fault", exception), output);
        }
        if (_broker.Connections.Count != 0)
            return (new Failure("leak: the broker still lists a connection after it ended",
                string.Join(", ", _broker.Connections.Select(c => $"#{c.Id} {c.User.Name}@{c.VirtualHost.Name}"))), output);
        if (MqttClientRegistry.For(_broker).Count != 0)
            return (new Failure("leak: the client-id registry keeps a connection after it ended", $"{MqttClientRegistry.For(_broker).Count} left"), output);
        return (null, output);
    }

    public async Task<Failure?> CheckHealthAsync(CancellationToken cancellation)
    {
        if (Invariants(_broker) is { } broken) return broken;
        byte[] start = [.. MqttCorpus.HealthStart().SelectMany(p => p.Encode())];
        byte[] end = [.. MqttCorpus.HealthEnd().SelectMany(p => p.Encode())];
        var (failure, output) = await RunConnectionAsync(start, end, cancellation).ConfigureAwait(false);
        if (failure is not null) return failure with { Kind = "health: " + failure.Kind };
        // The PUBACK and the delivery race each other; everything else has its place.
        var got = output!.Frames.Select(ReplyKind).ToList();
        string[] expected = ["CONNACK 0x00", "SUBACK 0x01", "PUBACK", "PUBLISH", "PINGRESP"];
        if (got.Count != expected.Length || got[0] != expected[0] || got[1] != expected[1] || got[^1] != expected[^1]
            || !got.Skip(2).Take(2).Order(StringComparer.Ordinal).SequenceEqual(["PUBACK", "PUBLISH"]))
            return new Failure("health: a fresh valid 5.0 client was not answered in full",
                $"expected {string.Join(", ", expected)}; got {string.Join(", ", got)}");
        return null;
    }

    public string Summary() =>
        $"broker replies over {_connections} connections: " +
        string.Join(", ", _replies.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {100.0 * kv.Value / Math.Max(1, _connections):F0}%"));

    /// <summary>
    /// What must hold with no connection running: none listed; consumers only on MQTT subscription
    /// queues of kept sessions (at most one per kept session); no unacked message on a queue nobody
    /// consumes unless a kept session may hold it.
    /// </summary>
    private static Failure? Invariants(Broker broker)
    {
        if (broker.Connections.Count != 0)
            return new Failure("health: leak: connections listed with none running", string.Join(", ", broker.Connections.Select(c => $"#{c.Id} {c.User.Name}@{c.VirtualHost.Name}")));
        foreach (var vhost in broker.VirtualHosts)
        {
            int consumed = 0;
            foreach (var queue in vhost.Queues)
            {
                if (queue.ConsumerCount != 0)
                {
                    if (!queue.Name.StartsWith("mqtt-subscription-", StringComparison.Ordinal))
                        return new Failure("health: leak: a queue keeps consumers of closed connections", $"queue '{queue.Name}': {queue.ConsumerCount}");
                    consumed++;
                }
                // A kept session holds its unacknowledged deliveries, a shared group's included (MQTT 5.0
                // 4.8.2 lets the server wait for the member to return); only with none kept must none be left.
                else if (queue.UnackedCount != 0 && vhost.DetachedSessions.Count == 0)
                {
                    return new Failure("health: leak: unacked messages of closed connections were not requeued", $"queue '{queue.Name}': {queue.UnackedCount}");
                }
            }
            if (consumed > vhost.DetachedSessions.Count)
                return new Failure("health: leak: subscription queues are consumed by more sessions than are kept",
                    $"vhost '{vhost.Name}': {consumed} consumed, {vhost.DetachedSessions.Count} kept");
        }
        return null;
    }

    /// <summary>A reply's kind for the summary: the packet name, with the reason code where one decides the path.</summary>
    private static string ReplyKind(MqttFraming.Frame frame) => frame.Type switch
    {
        2 => $"CONNACK 0x{(frame.Body.Length > 1 ? frame.Body[1] : 0):X2}",
        3 => "PUBLISH",
        4 => frame.Body.Length > 2 ? $"PUBACK 0x{frame.Body[2]:X2}" : "PUBACK",
        5 => frame.Body.Length > 2 ? $"PUBREC 0x{frame.Body[2]:X2}" : "PUBREC",
        6 => "PUBREL",
        7 => frame.Body.Length > 2 ? $"PUBCOMP 0x{frame.Body[2]:X2}" : "PUBCOMP",
        9 => frame.Body.Length > 2 ? $"SUBACK 0x{frame.Body[^1]:X2}" : "SUBACK",
        11 => "UNSUBACK",
        13 => "PINGRESP",
        14 => $"DISCONNECT 0x{(frame.Body.Length > 0 ? frame.Body[0] : 0):X2}",
        15 => "AUTH",
        _ => $"type {frame.Type}",
    };

    /// <summary>A broker in memory, without alarm timers, whose contained faults count as findings.</summary>
    private Broker NewBroker()
    {
        var broker = new Broker(FuzzBrokerOptions.Create());
        _errors.Watch(broker);
        return broker;
    }

    private static void DisposeBroker(Broker broker)
    {
        RetainedStoreRegistry.Close(broker);
        broker.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _heartbeats.Dispose();
        DisposeBroker(_broker);
        _shutdown.Dispose();
    }
}
