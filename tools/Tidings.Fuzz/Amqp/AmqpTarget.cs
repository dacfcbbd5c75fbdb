using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Tidings.Amqp;
using Tidings.Amqp.Connection;
using Tidings.Amqp.Protocol;
using Tidings.Connections.Heartbeats;
using Tidings.Core;

namespace Tidings.Fuzz.Amqp;

/// <summary>
/// Whole AMQP 0-9-1 connections: a real <see cref="AmqpConnection"/> over in-memory pipes is
/// fed a mutated client session in random chunks, its output is drained and checked to be
/// well-formed frames. A finding is an exception the connection had to catch at the top
/// (logged at Error), a malformed output frame, a connection that does not end once its
/// input has, or one still listed by the broker after it ended. The health check opens a fresh
/// valid connection and requires every answer, no lingering consumers and no leaked connection.
/// </summary>
internal class AmqpTarget : IFuzzTarget
{
    /// <summary>A broker is replaced after this many connections, so one input's topology does not steer all later ones.</summary>
    private const int ConnectionsPerBroker = 100;

    private static readonly IPEndPoint Remote = new(IPAddress.Loopback, 40_000);
    private static readonly IPEndPoint Local = new(IPAddress.Loopback, 5672);

    private readonly IReadOnlyList<AmqpSession> _corpus = AmqpCorpus.Build();
    private readonly AmqpMutator _mutator;
    /// <summary>Errors the connections logged; checked after each iteration.</summary>
    private readonly ErrorLog _errors = new();
    private readonly AmqpOptions _options = new() { HeartbeatSeconds = 0, HandshakeTimeout = TimeSpan.FromSeconds(5) };
    /// <summary>One heartbeat timer for every connection, as the listener has.</summary>
    private readonly ConnectionHeartbeat _heartbeats = new(TimeProvider.System, new FaultLog());
    /// <summary>Cancelled at dispose: broker shutdown for the connections still running.</summary>
    private readonly CancellationTokenSource _shutdown = new();
    private Broker _broker;
    private int _connectionsOnBroker;
    /// <summary>How often the server answered with each method: which paths the inputs reach.</summary>
    private readonly Dictionary<AmqpMethodId, long> _replies = [];
    private long _connections;

    public AmqpTarget()
    {
        _mutator = new AmqpMutator(_corpus);
        _broker = NewBroker();
    }

    public virtual string Name => "amqp";

    /// <summary>The valid sessions, as single streams.</summary>
    public IEnumerable<byte[]> Seeds => _corpus.Select(s => s.ToBytes());

    public Task StartAsync() => Task.CompletedTask;

    public byte[] NextInput(Random random) => random.Next(50) == 0
        ? _corpus[random.Next(_corpus.Count)].ToBytes()
        : _mutator.Mutate(random);

    public async Task<Failure?> RunAsync(byte[] input, CancellationToken cancellation)
    {
        if (++_connectionsOnBroker > ConnectionsPerBroker)
        {
            // The old broker is checked before it goes: whatever it holds must be consistent.
            if (Invariants(_broker) is { } broken) return broken;
            _broker.Dispose();
            _broker = NewBroker();
            _connectionsOnBroker = 1;
        }
        var (failure, output) = await RunConnectionAsync(_broker, input, cancellation).ConfigureAwait(false);
        _connections++;
        foreach (var frame in output)
            if (frame.Type == FrameType.Method) _replies[frame.Method] = _replies.GetValueOrDefault(frame.Method) + 1;
        return failure;
    }

    /// <summary>Runs one connection to its end; returns what went wrong and the frames the server sent.</summary>
    protected async Task<(Failure? Failure, List<(FrameType Type, ushort Channel, AmqpMethodId Method)> Output)> RunConnectionAsync(
        Broker broker, byte[] input, CancellationToken cancellation)
    {
        var pipe = new DuplexPipe();
        var connection = new AmqpConnection(broker, _options, WrapServerSide(pipe.Server, input), Remote, _errors, Local, _heartbeats);
        var run = Task.Run(() => connection.RunAsync(_shutdown.Token), CancellationToken.None);
        var drain = Task.Run(() => DrainAsync(pipe.Client.Input), CancellationToken.None);
        await ChunkedFeed.WriteAsync(pipe.Client.Output, input).ConfigureAwait(false);

        try
        {
            await run.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return (new Failure("hang: the connection did not end after its input ended", $"input {input.Length} bytes"), []);
        }
        catch (Exception e)
        {
            return (Failure.FromException("exception escaped AmqpConnection.RunAsync", e), []);
        }
        var (output, malformed) = await drain.WaitAsync(cancellation).ConfigureAwait(false);
        if (_errors.Take() is { } logged)
        {
            var exception = logged.Exception;
            return (exception is null
                ? new Failure("connection logged an error", logged.Text)
                : Failure.FromException("exception caught at the top of the connection (logged as unexpected)", exception), output);
        }
        if (malformed is not null) return (new Failure("server wrote a malformed frame", malformed), output);
        if (broker.Connections.Count != 0)
            return (new Failure("leak: the broker still lists a connection after it ended",
                string.Join(", ", broker.Connections.Select(c => $"#{c.Id} {c.User.Name}@{c.VirtualHost.Name}"))), output);
        return (null, output);
    }

    /// <summary>A seam for the planted-fault test: the transport the connection reads.</summary>
    protected virtual IDuplexPipe WrapServerSide(IDuplexPipe server, byte[] input) => server;

    public async Task<Failure?> CheckHealthAsync(CancellationToken cancellation)
    {
        if (Invariants(_broker) is { } broken) return broken;
        var frames = AmqpCorpus.Handshake();
        frames.Add(AmqpCorpus.Method(1, new ChannelOpen()));
        frames.Add(AmqpCorpus.Method(1, new QueueDeclare { Queue = "fz.health", AutoDelete = false }));
        frames.Add(AmqpCorpus.Method(1, new BasicPublish { RoutingKey = "fz.health" }));
        var header = new ArrayBufferWriter<byte>();
        FrameWriter.WriteContentHeader(header, 1, 2, Tidings.Core.Messages.MessageProperties.Empty);
        frames.Add(header.WrittenSpan.ToArray());
        var body = new ArrayBufferWriter<byte>();
        FrameWriter.WriteBody(body, 1, "ok"u8, AmqpCorpus.FrameMax);
        frames.Add(body.WrittenSpan.ToArray());
        frames.Add(AmqpCorpus.Method(1, new BasicGet { Queue = "fz.health", NoAck = true }));
        frames.Add(AmqpCorpus.Method(1, new QueueDelete { Queue = "fz.health" }));
        frames.AddRange(AmqpCorpus.Close());
        var (failure, output) = await RunConnectionAsync(_broker, [.. frames.SelectMany(f => f)], cancellation).ConfigureAwait(false);
        if (failure is not null) return failure with { Kind = "health: " + failure.Kind };
        AmqpMethodId[] expected =
        [
            AmqpMethodId.ConnectionStart, AmqpMethodId.ConnectionTune, AmqpMethodId.ConnectionOpenOk, AmqpMethodId.ChannelOpenOk,
            AmqpMethodId.QueueDeclareOk, AmqpMethodId.BasicGetOk, AmqpMethodId.QueueDeleteOk, AmqpMethodId.ConnectionCloseOk,
        ];
        var got = output.Where(f => f.Type == FrameType.Method).Select(f => f.Method).ToList();
        if (!got.SequenceEqual(expected))
            return new Failure("health: a fresh valid connection was not answered in full",
                $"expected {string.Join(", ", expected)}; got {string.Join(", ", got)}");
        return null;
    }

    public string Summary() =>
        $"server replies over {_connections} connections: " +
        string.Join(", ", _replies.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {100.0 * kv.Value / Math.Max(1, _connections):F0}%"));

    /// <summary>What must hold on a broker with no connection: nothing consumes, no exclusive queue is left.</summary>
    private static Failure? Invariants(Broker broker)
    {
        if (broker.Connections.Count != 0)
            return new Failure("health: leak: connections listed with none running", string.Join(", ", broker.Connections.Select(c => $"#{c.Id} {c.User.Name}@{c.VirtualHost.Name}")));
        foreach (var vhost in broker.VirtualHosts)
        {
            foreach (var queue in vhost.Queues)
            {
                if (queue.ConsumerCount != 0)
                    return new Failure("health: leak: a queue keeps consumers of closed connections", $"queue '{queue.Name}': {queue.ConsumerCount}");
                if (queue.Exclusive)
                    return new Failure("health: leak: an exclusive queue outlived its connection", $"queue '{queue.Name}'");
                if (queue.UnackedCount != 0)
                    return new Failure("health: leak: unacked messages of closed connections were not requeued", $"queue '{queue.Name}': {queue.UnackedCount}");
            }
        }
        return null;
    }

    /// <summary>Reads everything the server sends; every byte must belong to a well-formed frame.</summary>
    private static async Task<(List<(FrameType, ushort, AmqpMethodId)> Frames, string? Malformed)> DrainAsync(PipeReader reader)
    {
        var frames = new List<(FrameType, ushort, AmqpMethodId)>();
        string? malformed = null;
        bool first = true;
        while (true)
        {
            var result = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (first && buffer.Length >= 8)
            {
                first = false;
                // A wrong protocol header is answered with ours and nothing else.
                if (buffer.FirstSpan[0] == (byte)'A') buffer = buffer.Slice(8);
            }
            if (malformed is null && !first)
            {
                try
                {
                    while (FrameReader.TryReadFrame(ref buffer, uint.MaxValue, out var frame))
                        frames.Add((frame.Type, frame.Channel, frame.Type == FrameType.Method ? frame.MethodId : default));
                }
                catch (Exception e) when (e is AmqpProtocolException)
                {
                    malformed = $"after {frames.Count} good frames: {e.Message}";
                }
            }
            if (malformed is not null) buffer = buffer.Slice(buffer.End);
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (malformed is null && !buffer.IsEmpty)
                    malformed = $"the output ends inside a frame ({buffer.Length} bytes left) after {frames.Count} frames";
                await reader.CompleteAsync().ConfigureAwait(false);
                return (frames, malformed);
            }
        }
    }

    /// <summary>A broker in memory, without alarm timers, whose contained faults count as findings.</summary>
    protected Broker NewBroker()
    {
        var broker = new Broker(FuzzBrokerOptions.Create());
        _errors.Watch(broker);
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _heartbeats.Dispose();
        _broker.Dispose();
        _shutdown.Dispose();
        GC.SuppressFinalize(this);
    }
}
