using System.Buffers.Binary;
using System.Diagnostics;

namespace Tidings.PerfTest;

/// <summary>
/// <c>--client raw</c> publisher: one connection, publishes pre-encoded (method, header, body) frame
/// triples, as many as the confirm window allows in one socket write; a reader task settles
/// basic.ack/basic.nack. Without --confirm it writes batches as fast as the socket takes them.
/// </summary>
internal sealed class RawProducer : IAsyncDisposable
{
    // One send of at most this many bytes.
    private const int BatchBytes = 64 * 1024;

    private readonly PerfTestOptions _options;
    private readonly RunControl _control;
    private readonly RawAmqpConnection _connection;

    // One publish: basic.publish, content header, body frame; the body's first 8 bytes (the send
    // timestamp) sit at _stampOffset.
    private readonly byte[] _message;
    private readonly int _stampOffset;

    // Guards the settle ring, _lowest, _settled counters and _windowWaiter; taken by the sender and the reader.
    private readonly Lock _lock = new();

    // Ring of settled sequence numbers at or above _lowest, indexed by seq % length (2 × window).
    private readonly bool[] _ring;

    // Oldest unsettled sequence number; publishes are numbered from 1 as confirm.select does.
    private ulong _lowest = 1;

    // Set by a sender that found the window full; completed by the reader once a quarter of it is free.
    private TaskCompletionSource? _windowWaiter;

    private long _sent;
    private long _confirmed;
    private long _nacked;
    private long _firstPublishTimestamp;
    private long _lastPublishTimestamp;
    private long _lastSettleTimestamp;

    private RawProducer(PerfTestOptions options, RunControl control, RawAmqpConnection connection, long nonce)
    {
        _options = options;
        _control = control;
        _connection = connection;
        string routingKey = options.ExchangeType == PerfExchangeType.Fanout ? "" : options.QueueNames[0];
        string exchange = options.ExchangeType == PerfExchangeType.Fanout ? options.FanoutExchangeName : "";
        byte[] publish = RawAmqpConnection.MethodFrame(RawAmqpConnection.Channel, 60, 40,
            w => w.Short(0).ShortStr(exchange).ShortStr(routingKey).Octet(0));
        var header = new FrameWriter().Short(60).Short(0).LongLong((ulong)options.Size);
        if (options.Persistent)
        {
            header.Short(0x1000).Octet(2); // delivery-mode 2
        }
        else
        {
            header.Short(0);
        }
        byte[] headerFrame = header.ToFrame(RawAmqpConnection.FrameHeader, RawAmqpConnection.Channel);
        byte[] body = new FrameWriter().Raw(MessageBody.Create(options.Size, nonce)).ToFrame(RawAmqpConnection.FrameBody, RawAmqpConnection.Channel);
        _message = [.. publish, .. headerFrame, .. body];
        _stampOffset = publish.Length + headerFrame.Length + 7;
        _ring = new bool[Math.Max(2, 2 * options.Confirm)];
    }

    public long Sent => Volatile.Read(ref _sent);
    public long Confirmed => Volatile.Read(ref _confirmed);
    public long Nacked => Volatile.Read(ref _nacked);
    public long FirstPublishTimestamp => Volatile.Read(ref _firstPublishTimestamp);
    public long EndTimestamp => _options.Confirm > 0 ? Volatile.Read(ref _lastSettleTimestamp) : Volatile.Read(ref _lastPublishTimestamp);

    public static async Task<RawProducer> CreateAsync(PerfTestOptions options, RunControl control, long nonce, CancellationToken cancellationToken)
    {
        RawAmqpConnection connection = await RawAmqpConnection.OpenAsync(new Uri(options.Uri), cancellationToken);
        try
        {
            if (options.Size + 8 > connection.FrameMax)
            {
                throw new IOException($"--size {options.Size} does not fit one body frame (frame-max {connection.FrameMax}); the raw client sends one");
            }
            if (options.Confirm > 0)
            {
                await connection.SendAsync(RawAmqpConnection.MethodFrame(RawAmqpConnection.Channel, 85, 10, w => w.Octet(0)), cancellationToken);
                await connection.ExpectMethodAsync(85, 11, cancellationToken);
            }
            return new RawProducer(options, control, connection, nonce);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes until --pmessages are settled or the run stops.</summary>
    public async Task RunAsync()
    {
        CancellationToken stop = _control.StopToken;
        Task reader = _options.Confirm > 0 ? Task.Run(() => ReadAsync(stop)) : Task.CompletedTask;
        long limit = _options.PMessages;
        int perBatch = Math.Max(1, BatchBytes / _message.Length);
        byte[] batch = new byte[perBatch * _message.Length];
        try
        {
            while (!stop.IsCancellationRequested && (limit == 0 || _sent < limit))
            {
                long room = perBatch;
                if (_options.Confirm > 0)
                {
                    Task? wait = null;
                    lock (_lock)
                    {
                        long outstanding = _sent - _confirmed - _nacked;
                        room = Math.Min(room, _options.Confirm - outstanding);
                        if (room <= 0)
                        {
                            _windowWaiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                            wait = _windowWaiter.Task;
                        }
                    }
                    if (wait is not null)
                    {
                        await wait.WaitAsync(stop);
                        continue;
                    }
                }
                if (limit > 0)
                {
                    room = Math.Min(room, limit - _sent);
                }
                long now = Stopwatch.GetTimestamp();
                for (int i = 0; i < room; i++)
                {
                    Span<byte> slot = batch.AsSpan(i * _message.Length, _message.Length);
                    _message.CopyTo(slot);
                    BinaryPrimitives.WriteInt64LittleEndian(slot[_stampOffset..], now);
                }
                if (_sent == 0)
                {
                    Volatile.Write(ref _firstPublishTimestamp, now);
                }
                // Counted before the send so a confirm racing it never finds more settled than sent.
                lock (_lock)
                {
                    _sent += room;
                }
                ReadOnlyMemory<byte> data = batch.AsMemory(0, (int)room * _message.Length);
                while (!data.IsEmpty)
                {
                    int written = await _connection.SendAsync(data, stop);
                    data = data[written..];
                }
                Volatile.Write(ref _lastPublishTimestamp, Stopwatch.GetTimestamp());
            }
            if (_options.Confirm > 0 && limit > 0)
            {
                await reader.WaitAsync(stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended.
        }
        catch (Exception ex)
        {
            _control.Fail($"raw producer: {ex.Message}");
        }
    }

    // Settles confirms until every publish of a --pmessages run is settled, or the run stops.
    private async Task ReadAsync(CancellationToken stop)
    {
        try
        {
            long limit = _options.PMessages;
            while (true)
            {
                while (_connection.TryReadFrame(out byte type, out _, out int offset, out int length))
                {
                    if (type != RawAmqpConnection.FrameMethod)
                    {
                        continue;
                    }
                    ReadOnlySpan<byte> payload = _connection.Buffer.AsSpan(offset, length);
                    RawAmqpConnection.ThrowIfClose(payload);
                    uint method = BinaryPrimitives.ReadUInt32BigEndian(payload);
                    if (method is ((60 << 16) | 80) or ((60 << 16) | 120))
                    {
                        ulong tag = BinaryPrimitives.ReadUInt64BigEndian(payload[4..]);
                        Settle(tag, (payload[12] & 1) != 0, nacked: method == ((60 << 16) | 120));
                    }
                }
                if (limit > 0 && Volatile.Read(ref _confirmed) + Volatile.Read(ref _nacked) >= limit)
                {
                    return;
                }
                await _connection.FillAsync(stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended.
        }
        catch (Exception ex)
        {
            _control.Fail($"raw producer: {ex.Message}");
        }
    }

    private void Settle(ulong tag, bool multiple, bool nacked)
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            ulong next = (ulong)_sent + 1;
            ulong length = (ulong)_ring.Length;
            long settled = 0;
            if (multiple)
            {
                for (ulong seq = _lowest; seq <= tag && seq < next; seq++)
                {
                    if (!_ring[seq % length])
                    {
                        _ring[seq % length] = true;
                        settled++;
                    }
                }
            }
            else if (tag >= _lowest && tag < next && !_ring[tag % length])
            {
                _ring[tag % length] = true;
                settled = 1;
            }
            while (_lowest < next && _ring[_lowest % length])
            {
                _ring[_lowest % length] = false;
                _lowest++;
            }
            if (nacked)
            {
                Volatile.Write(ref _nacked, _nacked + settled);
            }
            else
            {
                Volatile.Write(ref _confirmed, _confirmed + settled);
            }
            Volatile.Write(ref _lastSettleTimestamp, Stopwatch.GetTimestamp());
            if (_windowWaiter is not null && _sent - _confirmed - _nacked <= _options.Confirm * 3L / 4)
            {
                wake = _windowWaiter;
                _windowWaiter = null;
            }
        }
        wake?.TrySetResult();
        if (nacked)
        {
            _control.Fail($"raw producer: broker nacked publish {tag}{(multiple ? " (multiple)" : "")}", RunControl.ExitNacked);
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
