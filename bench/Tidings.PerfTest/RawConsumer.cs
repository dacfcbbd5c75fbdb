using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Tidings.PerfTest;

/// <summary>
/// <c>--client raw</c> consumer: basic.qos, basic.consume (with x-stream-offset when given), then
/// parses deliveries in place — method, content header (scanned for x-stream-offset), body frames —
/// and after each receive acks everything delivered so far with one multiple=true basic.ack once at
/// least --multi-ack deliveries are unacked.
/// </summary>
internal sealed class RawConsumer : IAsyncDisposable
{
    private static readonly byte[] s_offsetHeader = Encoding.ASCII.GetBytes("x-stream-offset");

    private readonly PerfTestOptions _options;
    private readonly RunControl _control;
    private readonly RawAmqpConnection _connection;

    // ack frame reused for every ack: the delivery tag is written in place at offset 11.
    private readonly byte[] _ack = RawAmqpConnection.MethodFrame(RawAmqpConnection.Channel, 60, 80, w => w.LongLong(0).Octet(1));

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Reader state (single writer: RunAsync); the counters are read by the run's reporter.
    private long _received;
    private long _firstTimestamp;
    private long _lastTimestamp;
    private long _firstOffset = -1;
    private long _lastOffset = -1;
    private long _outOfOrder;
    private long _gaps;
    private long _missing;

    private RawConsumer(PerfTestOptions options, RunControl control, RawAmqpConnection connection)
    {
        _options = options;
        _control = control;
        _connection = connection;
    }

    public long Received => Volatile.Read(ref _received);
    public long FirstTimestamp => Volatile.Read(ref _firstTimestamp);
    public long LastTimestamp => Volatile.Read(ref _lastTimestamp);
    public long FirstOffset => Volatile.Read(ref _firstOffset);
    public long LastOffset => Volatile.Read(ref _lastOffset);
    public long OffsetsOutOfOrder => Volatile.Read(ref _outOfOrder);
    public long OffsetGaps => Volatile.Read(ref _gaps);
    public long OffsetsMissing => Volatile.Read(ref _missing);
    public Task Done => _done.Task;

    public static async Task<RawConsumer> CreateAsync(PerfTestOptions options, RunControl control, int index, CancellationToken cancellationToken)
    {
        RawAmqpConnection connection = await RawAmqpConnection.OpenAsync(new Uri(options.Uri), cancellationToken);
        try
        {
            await connection.SendAsync(RawAmqpConnection.MethodFrame(RawAmqpConnection.Channel, 60, 10,
                w => w.Long(0).Short(options.Prefetch).Octet(0)), cancellationToken);
            await connection.ExpectMethodAsync(60, 11, cancellationToken);
            object? offset = options.StreamOffsetFor(index);
            string queue = options.QueueNames[index % options.Queues];
            await connection.SendAsync(RawAmqpConnection.MethodFrame(RawAmqpConnection.Channel, 60, 20, w => w
                .Short(0).ShortStr(queue).ShortStr($"perftest-{index}").Octet(0)
                .Table(offset is null ? [] : [("x-stream-offset", offset)])), cancellationToken);
            await connection.ExpectMethodAsync(60, 21, cancellationToken);
            return new RawConsumer(options, control, connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task RunAsync()
    {
        CancellationToken stop = _control.StopToken;
        long limit = _options.CMessages;
        ulong tag = 0;
        ulong ackedTag = 0;
        long bodyLeft = -1; // -1: between messages; otherwise body bytes still to come
        try
        {
            while (true)
            {
                while (_connection.TryReadFrame(out byte type, out _, out int offset, out int length))
                {
                    ReadOnlySpan<byte> payload = _connection.Buffer.AsSpan(offset, length);
                    switch (type)
                    {
                        case RawAmqpConnection.FrameMethod:
                            RawAmqpConnection.ThrowIfClose(payload);
                            uint method = BinaryPrimitives.ReadUInt32BigEndian(payload);
                            if (method == ((60 << 16) | 60))
                            {
                                int tagAt = 4 + 1 + payload[4];
                                tag = BinaryPrimitives.ReadUInt64BigEndian(payload[tagAt..]);
                            }
                            else if (method == ((60 << 16) | 30))
                            {
                                throw new IOException("the broker cancelled the consumer");
                            }
                            break;
                        case RawAmqpConnection.FrameHeader:
                            bodyLeft = (long)BinaryPrimitives.ReadUInt64BigEndian(payload[4..]);
                            CheckOffset(payload);
                            if (bodyLeft == 0)
                            {
                                Delivered();
                                bodyLeft = -1;
                            }
                            break;
                        case RawAmqpConnection.FrameBody:
                            bodyLeft -= length;
                            if (bodyLeft <= 0)
                            {
                                Delivered();
                                bodyLeft = -1;
                            }
                            break;
                    }
                    if (limit > 0 && _received >= limit)
                    {
                        break;
                    }
                }
                bool limitReached = limit > 0 && _received >= limit;
                if (tag > ackedTag && (tag - ackedTag >= (ulong)_options.MultiAck || limitReached))
                {
                    BinaryPrimitives.WriteUInt64BigEndian(_ack.AsSpan(11), tag);
                    await _connection.SendAsync(_ack, stop);
                    ackedTag = tag;
                }
                if (limitReached)
                {
                    _done.TrySetResult();
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
            _control.Fail($"raw consumer: {ex.Message}");
        }
    }

    private void Delivered()
    {
        long now = Stopwatch.GetTimestamp();
        if (_received == 0)
        {
            Volatile.Write(ref _firstTimestamp, now);
        }
        Volatile.Write(ref _lastTimestamp, now);
        Volatile.Write(ref _received, _received + 1);
    }

    // Content header: class, weight, body size, property flags, then the properties in flag order;
    // headers (flag 0x2000) come after content-type and content-encoding.
    private void CheckOffset(ReadOnlySpan<byte> header)
    {
        if (!_options.IsStream)
        {
            return;
        }
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(header[12..]);
        ReadOnlySpan<byte> p = header[14..];
        if ((flags & 0x8000) != 0)
        {
            p = p[(1 + p[0])..];
        }
        if ((flags & 0x4000) != 0)
        {
            p = p[(1 + p[0])..];
        }
        if ((flags & 0x2000) == 0 || !TryFindOffset(p[4..(4 + (int)BinaryPrimitives.ReadUInt32BigEndian(p))], out long offset))
        {
            Volatile.Write(ref _missing, _missing + 1);
            return;
        }
        if (_lastOffset < 0)
        {
            Volatile.Write(ref _firstOffset, offset);
        }
        else if (offset <= _lastOffset)
        {
            Volatile.Write(ref _outOfOrder, _outOfOrder + 1);
        }
        else if (offset != _lastOffset + 1)
        {
            Volatile.Write(ref _gaps, _gaps + 1);
        }
        Volatile.Write(ref _lastOffset, offset);
    }

    private static bool TryFindOffset(ReadOnlySpan<byte> table, out long offset)
    {
        while (!table.IsEmpty)
        {
            ReadOnlySpan<byte> key = table.Slice(1, table[0]);
            table = table[(1 + table[0])..];
            byte type = table[0];
            table = table[1..];
            if (key.SequenceEqual(s_offsetHeader))
            {
                switch (type)
                {
                    case (byte)'l' or (byte)'L' or (byte)'T':
                        offset = BinaryPrimitives.ReadInt64BigEndian(table);
                        return true;
                    case (byte)'I' or (byte)'i':
                        offset = type == 'I' ? BinaryPrimitives.ReadInt32BigEndian(table) : BinaryPrimitives.ReadUInt32BigEndian(table);
                        return true;
                }
            }
            int size = type switch
            {
                (byte)'t' or (byte)'b' or (byte)'B' => 1,
                (byte)'s' or (byte)'u' => 2,
                (byte)'I' or (byte)'i' or (byte)'f' => 4,
                (byte)'l' or (byte)'L' or (byte)'d' or (byte)'T' => 8,
                (byte)'D' => 5,
                (byte)'V' => 0,
                (byte)'S' or (byte)'x' or (byte)'A' or (byte)'F' => 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(table),
                _ => throw new IOException($"unknown field type '{(char)type}' in the headers table"),
            };
            table = table[size..];
        }
        offset = 0;
        return false;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
