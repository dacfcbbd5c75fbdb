using System.Diagnostics;
using RabbitMQ.Client;

namespace Tidings.PerfTest;

/// <summary>
/// One consuming connection and channel. Counts deliveries, records the latency of this process's
/// messages, and acks every --multi-ack deliveries with multiple=true. The client dispatches one
/// delivery at a time per channel, so the handler's state has a single writer.
/// </summary>
internal sealed class Consumer : AsyncDefaultBasicConsumer, IAsyncDisposable
{
    private readonly PerfTestOptions _options;
    private readonly IConnection _connection;
    private readonly long _nonce;

    // Stopwatch ticks per microsecond, as a divisor for latency samples.
    private static readonly double s_ticksPerMicro = Stopwatch.Frequency / 1_000_000.0;

    // Completed when --cmessages deliveries were counted.
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // 1 while the handler runs; with _stopping it forms a handshake so StopAsync acks the remainder
    // only after the handler can no longer ack (a Dekker pair: both sides write with a full fence
    // and then read the other flag).
    private int _busy;

    // 1 once deliveries are to be ignored (limit reached, or the run is stopping).
    private int _stopping;

    // Handler state (single writer: the dispatch loop; StopAsync reads it after the handshake).
    private long _received;
    private long _firstTimestamp;
    private long _lastTimestamp;
    private ulong _lastTag;
    private ulong _lastAckedTag;
    private int _unacked;

    // Stream runs: the x-stream-offset of the first and the last delivery (-1 before any), deliveries
    // whose offset was not above the previous one, forward jumps past previous + 1, and deliveries
    // without the header.
    private long _firstOffset = -1;
    private long _lastOffset = -1;
    private long _offsetsOutOfOrder;
    private long _offsetGaps;
    private long _offsetsMissing;

    private Consumer(IChannel channel, IConnection connection, PerfTestOptions options, long nonce) : base(channel)
    {
        _connection = connection;
        _options = options;
        _nonce = nonce;
    }

    public LogLinearHistogram Latency { get; } = new();
    public long Received => Volatile.Read(ref _received);
    public long FirstTimestamp => Volatile.Read(ref _firstTimestamp);
    public long LastTimestamp => Volatile.Read(ref _lastTimestamp);
    public Task Done => _done.Task;
    public long FirstOffset => Volatile.Read(ref _firstOffset);
    public long LastOffset => Volatile.Read(ref _lastOffset);
    public long OffsetsOutOfOrder => Volatile.Read(ref _offsetsOutOfOrder);
    public long OffsetGaps => Volatile.Read(ref _offsetGaps);
    public long OffsetsMissing => Volatile.Read(ref _offsetsMissing);

    public static async Task<Consumer> CreateAsync(ConnectionFactory factory, PerfTestOptions options, RunControl control,
        int index, long nonce, CancellationToken cancellationToken)
    {
        IConnection connection = await factory.CreateConnectionAsync($"tidings-perftest consumer {index}", cancellationToken);
        try
        {
            IChannel channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            control.Watch(connection, channel, $"consumer {index}");
            if (!options.AutoAck)
            {
                await channel.BasicQosAsync(0, options.Prefetch, global: false, cancellationToken);
            }
            var consumer = new Consumer(channel, connection, options, nonce);
            string queue = options.QueueNames[index % options.Queues];
            object? offset = options.StreamOffsetFor(index);
            var arguments = offset is null ? null : new Dictionary<string, object?> { ["x-stream-offset"] = offset };
            await channel.BasicConsumeAsync(queue, options.AutoAck, $"perftest-{index}", noLocal: false, exclusive: false,
                arguments, consumer, cancellationToken);
            return consumer;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered,
        string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _busy, 1);
        try
        {
            if (Volatile.Read(ref _stopping) != 0)
            {
                // Past the limit or stopping: left unacked, the broker requeues it when the channel closes.
                return;
            }
            long now = Stopwatch.GetTimestamp();
            if (_received == 0)
            {
                Volatile.Write(ref _firstTimestamp, now);
            }
            Volatile.Write(ref _lastTimestamp, now);
            if (MessageBody.TryReadTimestamp(body.Span, _nonce, out long sentAt))
            {
                Latency.Record((long)((now - sentAt) / s_ticksPerMicro));
            }
            if (_options.IsStream)
            {
                CheckStreamOffset(properties);
            }
            long received = _received + 1;
            Volatile.Write(ref _received, received);
            bool limitReached = _options.CMessages > 0 && received >= _options.CMessages;
            _lastTag = deliveryTag;
            if (!_options.AutoAck && (++_unacked >= _options.MultiAck || limitReached))
            {
                _unacked = 0;
                _lastAckedTag = deliveryTag;
                await Channel.BasicAckAsync(deliveryTag, multiple: true, CancellationToken.None);
            }
            if (limitReached)
            {
                Volatile.Write(ref _stopping, 1);
                _done.TrySetResult();
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    // The client has parsed the headers table already; reading one entry adds a dictionary lookup.
    private void CheckStreamOffset(IReadOnlyBasicProperties properties)
    {
        if (properties.Headers is null || !properties.Headers.TryGetValue("x-stream-offset", out object? value) || value is null)
        {
            Volatile.Write(ref _offsetsMissing, _offsetsMissing + 1);
            return;
        }
        long offset = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        if (_lastOffset < 0)
        {
            Volatile.Write(ref _firstOffset, offset);
        }
        else if (offset <= _lastOffset)
        {
            Volatile.Write(ref _offsetsOutOfOrder, _offsetsOutOfOrder + 1);
        }
        else if (offset != _lastOffset + 1)
        {
            Volatile.Write(ref _offsetGaps, _offsetGaps + 1);
        }
        Volatile.Write(ref _lastOffset, offset);
    }

    /// <summary>Stops counting and acks what was counted but not yet acked.</summary>
    public async Task StopAsync()
    {
        Interlocked.Exchange(ref _stopping, 1);
        while (Volatile.Read(ref _busy) != 0)
        {
            await Task.Delay(1);
        }
        if (!_options.AutoAck && _lastTag > _lastAckedTag && Channel.IsOpen)
        {
            _lastAckedTag = _lastTag;
            try
            {
                await Channel.BasicAckAsync(_lastTag, multiple: true, CancellationToken.None);
            }
            catch (Exception)
            {
                // The channel closed meanwhile; the broker requeues those deliveries.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Channel.CloseAsync();
            await _connection.CloseAsync();
        }
        catch (Exception)
        {
            // Already closed by the broker; the failure was reported when it happened.
        }
        await Channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
