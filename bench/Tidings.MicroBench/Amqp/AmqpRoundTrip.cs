using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Tidings.Amqp;
using Tidings.Amqp.Connection;
using Tidings.Amqp.Protocol;
using Tidings.Core;
using Tidings.Core.Messages;

namespace Tidings.MicroBench.Amqp;

/// <summary>
/// A broker and one real <see cref="AmqpConnection"/> over an <see cref="InMemoryTransport"/>,
/// with a client that has declared a queue, set prefetch and started a consumer on channel 1.
/// <see cref="RunBatchAsync"/> is one benchmark operation batch: publish N messages to the
/// default exchange, read until N basic.deliver frames arrived, ack them with one
/// basic.ack multiple=true. Shared by the BenchmarkDotNet class and the "alloc" console mode.
/// </summary>
public sealed class AmqpRoundTrip : IAsyncDisposable
{
    private const ushort Channel = 1;
    private const string QueueName = "bench";

    /// <summary>The broker under test (in memory: no store, no data directory, no alarm timers).</summary>
    private readonly Broker _broker;
    /// <summary>Stops the connection's loops at dispose.</summary>
    private readonly CancellationTokenSource _stop;
    /// <summary>The connection's RunAsync: reader loop, writer loop, heartbeat timer.</summary>
    private readonly Task _connection;
    /// <summary>The client's side of the transport; only the benchmark thread touches it.</summary>
    private readonly IDuplexPipe _client;
    /// <summary>N publishes (method + header + body frames), encoded once.</summary>
    private readonly byte[] _publishes;
    private readonly uint _frameMax;
    /// <summary>Tag of the last delivery seen; what the batch's ack covers.</summary>
    private ulong _lastDeliveryTag;

    private AmqpRoundTrip(Broker broker, CancellationTokenSource stop, Task connection, IDuplexPipe client, byte[] publishes,
        uint frameMax, int batchSize)
    {
        _broker = broker;
        _stop = stop;
        _connection = connection;
        _client = client;
        _publishes = publishes;
        _frameMax = frameMax;
        BatchSize = batchSize;
    }

    /// <summary>Messages per <see cref="RunBatchAsync"/>.</summary>
    public int BatchSize { get; }

    /// <summary>Starts the broker and the connection and performs the handshake and consumer set-up.</summary>
    /// <param name="batchSize">Messages per batch; also the consumer's prefetch, so a whole batch can be in flight.</param>
    /// <param name="bodySize">Body bytes per message.</param>
    public static async Task<AmqpRoundTrip> StartAsync(int batchSize, int bodySize = 128)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, ushort.MaxValue);
        // No alarm timers (they would sample memory and disk during the measurement) and no data
        // directory: every message lives in memory.
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 });
        var transport = new InMemoryTransport();
        var amqp = new AmqpConnection(broker, new AmqpOptions(), transport.Server,
            new IPEndPoint(IPAddress.Loopback, 50_000), NullLogger.Instance, new IPEndPoint(IPAddress.Loopback, 5672));
        var stop = new CancellationTokenSource();
        var running = Task.Run(() => amqp.RunAsync(stop.Token));

        var client = new PipeAmqpClient(transport.Client);
        await client.HandshakeAsync();
        await client.CallAsync<ChannelOpen, ChannelOpenOk>(Channel, new ChannelOpen());
        await client.CallAsync<QueueDeclare, QueueDeclareOk>(Channel, new QueueDeclare { Queue = QueueName });
        await client.CallAsync<BasicQos, BasicQosOk>(Channel, new BasicQos { PrefetchCount = (ushort)batchSize });
        await client.CallAsync<BasicConsume, BasicConsumeOk>(Channel, new BasicConsume { Queue = QueueName, ConsumerTag = "c1" });

        var publishes = ClientFrames.EncodePublishes(batchSize, Channel, "", QueueName, MessageProperties.Empty,
            new byte[bodySize], client.FrameMax);
        return new AmqpRoundTrip(broker, stop, running, transport.Client, publishes, client.FrameMax, batchSize);
    }

    /// <summary>
    /// One batch: N publishes → N deliveries → one ack multiple=true. The pooling builder reuses
    /// this method's state machine, so the client side allocates nothing in steady state.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunBatchAsync()
    {
        var output = _client.Output;
        var input = _client.Input;
        await output.WriteAsync(_publishes).ConfigureAwait(false);
        int delivered = 0;
        while (delivered < BatchSize)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            delivered += ClientFrames.CountDeliveries(ref buffer, _frameMax, ref _lastDeliveryTag);
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted && delivered < BatchSize)
            {
                throw new InvalidOperationException($"the broker closed the connection after {delivered} of {BatchSize} deliveries");
            }
        }

        ClientFrames.WriteAck(output, Channel, _lastDeliveryTag, multiple: true);
        await output.FlushAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _client.Output.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _connection.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _client.Input.CompleteAsync().ConfigureAwait(false);
        _stop.Dispose();
        _broker.Dispose();
    }
}
