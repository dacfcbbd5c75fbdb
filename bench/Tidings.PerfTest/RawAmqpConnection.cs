using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Tidings.PerfTest;

/// <summary>
/// One AMQP 0-9-1 connection with one channel (1) on a plain socket, for <c>--client raw</c>: the
/// handshake (PLAIN, heartbeats off), frames encoded by hand and parsed in place from one receive
/// buffer. RabbitMQ.Client spends several microseconds of CPU per message, which on a 2-core machine
/// caps what the generator can offer or take below what the broker could do; this path costs a copy
/// per published message and a header scan per delivery.
/// </summary>
internal sealed class RawAmqpConnection : IAsyncDisposable
{
    public const byte FrameMethod = 1;
    public const byte FrameHeader = 2;
    public const byte FrameBody = 3;
    public const byte FrameHeartbeat = 8;
    public const ushort Channel = 1;

    private readonly Socket _socket;

    // Received bytes: [_start, _end) is not parsed yet. Only the connection's single reader touches it.
    private readonly byte[] _buffer = new byte[512 * 1024];
    private int _start;
    private int _end;

    private RawAmqpConnection(Socket socket) => _socket = socket;

    /// <summary>The frame-max agreed at tune (the server's, or 128 KiB when it sets none).</summary>
    public int FrameMax { get; private set; }

    public static async Task<RawAmqpConnection> OpenAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new RawAmqpConnection(socket);
        try
        {
            await socket.ConnectAsync(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 5672 : uri.Port, cancellationToken);
            await connection.HandshakeAsync(uri, cancellationToken);
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task HandshakeAsync(Uri uri, CancellationToken cancellationToken)
    {
        string[] userInfo = uri.UserInfo.Split(':', 2);
        string user = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest";
        string password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        string path = uri.AbsolutePath;
        string vhost = path.Length <= 1 ? "/" : Uri.UnescapeDataString(path[1..]);

        await SendAsync("AMQP\0\0\x09\x01"u8.ToArray(), cancellationToken);
        await ExpectMethodAsync(10, 10, cancellationToken); // connection.start
        await SendAsync(MethodFrame(0, 10, 11, w => w
            .Table([("product", "tidings-perftest raw")])
            .ShortStr("PLAIN")
            .LongStr(Encoding.UTF8.GetBytes($"\0{user}\0{password}"))
            .ShortStr("en_US")), cancellationToken);
        byte[] tune = await ExpectMethodAsync(10, 30, cancellationToken);
        ushort channelMax = BinaryPrimitives.ReadUInt16BigEndian(tune);
        uint frameMax = BinaryPrimitives.ReadUInt32BigEndian(tune.AsSpan(2));
        FrameMax = frameMax == 0 ? 128 * 1024 : (int)Math.Min(frameMax, 128 * 1024);
        await SendAsync(MethodFrame(0, 10, 31, w => w.Short(channelMax == 0 ? (ushort)1 : Math.Min(channelMax, (ushort)1))
            .Long((uint)FrameMax).Short(0)), cancellationToken);
        await SendAsync(MethodFrame(0, 10, 40, w => w.ShortStr(vhost).ShortStr("").Octet(0)), cancellationToken);
        await ExpectMethodAsync(10, 41, cancellationToken);
        await SendAsync(MethodFrame(Channel, 20, 10, w => w.ShortStr("")), cancellationToken);
        await ExpectMethodAsync(20, 11, cancellationToken);
    }

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _socket.SendAsync(data, SocketFlags.None, cancellationToken);

    /// <summary>Waits for one method frame (heartbeats skipped) and returns its arguments; a close is an error.</summary>
    public async Task<byte[]> ExpectMethodAsync(ushort classId, ushort methodId, CancellationToken cancellationToken)
    {
        while (true)
        {
            while (TryReadFrame(out byte type, out _, out int offset, out int length))
            {
                if (type != FrameMethod)
                {
                    continue;
                }
                ReadOnlySpan<byte> payload = _buffer.AsSpan(offset, length);
                ThrowIfClose(payload);
                ushort c = BinaryPrimitives.ReadUInt16BigEndian(payload);
                ushort m = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
                if (c != classId || m != methodId)
                {
                    throw new IOException($"expected method {classId}.{methodId}, got {c}.{m}");
                }
                return payload[4..].ToArray();
            }
            await FillAsync(cancellationToken);
        }
    }

    /// <summary>Throws with the broker's reply text when <paramref name="payload"/> is connection.close or channel.close.</summary>
    public static void ThrowIfClose(ReadOnlySpan<byte> payload)
    {
        ushort c = BinaryPrimitives.ReadUInt16BigEndian(payload);
        ushort m = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        if ((c == 10 && m == 50) || (c == 20 && m == 40))
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
            string text = Encoding.UTF8.GetString(payload.Slice(7, payload[6]));
            throw new IOException($"broker closed the {(c == 10 ? "connection" : "channel")}: {code} {text}");
        }
    }

    /// <summary>The next complete frame in the buffer as (offset, length) of its payload in <see cref="Buffer"/>; false when more bytes are needed.</summary>
    public bool TryReadFrame(out byte type, out ushort channel, out int payloadOffset, out int payloadLength)
    {
        int available = _end - _start;
        if (available >= 7)
        {
            ReadOnlySpan<byte> head = _buffer.AsSpan(_start, 7);
            int size = (int)BinaryPrimitives.ReadUInt32BigEndian(head[3..]);
            if (size > _buffer.Length - 8)
            {
                throw new IOException($"frame of {size} bytes exceeds the receive buffer");
            }
            if (available >= size + 8)
            {
                type = head[0];
                channel = BinaryPrimitives.ReadUInt16BigEndian(head[1..]);
                payloadOffset = _start + 7;
                payloadLength = size;
                if (_buffer[_start + 7 + size] != 0xCE)
                {
                    throw new IOException("frame end octet missing");
                }
                _start += size + 8;
                return true;
            }
        }
        type = 0;
        channel = 0;
        payloadOffset = 0;
        payloadLength = 0;
        return false;
    }

    /// <summary>The receive buffer frames from <see cref="TryReadFrame"/> point into; valid until the next <see cref="FillAsync"/>.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Moves what is unparsed to the front and receives at least one more byte; the end of the stream is an error.</summary>
    public async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            throw new IOException("the broker closed the connection");
        }
        _end += read;
    }

    public static byte[] MethodFrame(ushort channel, ushort classId, ushort methodId, Func<FrameWriter, FrameWriter> arguments)
    {
        var w = new FrameWriter();
        w.Short(classId).Short(methodId);
        arguments(w);
        return w.ToFrame(FrameMethod, channel);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // connection.close 200; the answer is not waited for.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await SendAsync(MethodFrame(0, 10, 50, w => w.Short(200).ShortStr("bye").Short(0).Short(0)), timeout.Token);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Already gone.
        }
        _socket.Dispose();
    }
}

/// <summary>Builds one frame's payload in AMQP's big-endian encodings.</summary>
internal sealed class FrameWriter
{
    private readonly List<byte> _bytes = [];

    public FrameWriter Octet(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public FrameWriter Short(ushort value) => Raw([(byte)(value >> 8), (byte)value]);

    public FrameWriter Long(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return Raw(b);
    }

    public FrameWriter LongLong(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        return Raw(b);
    }

    public FrameWriter ShortStr(string value)
    {
        byte[] b = Encoding.UTF8.GetBytes(value);
        return Octet((byte)b.Length).Raw(b);
    }

    public FrameWriter LongStr(ReadOnlySpan<byte> value) => Long((uint)value.Length).Raw(value);

    /// <summary>A field table of strings (S), longs (l) and AMQP timestamps (T).</summary>
    public FrameWriter Table(IEnumerable<(string Key, object Value)> entries)
    {
        var table = new FrameWriter();
        foreach ((string key, object value) in entries)
        {
            table.ShortStr(key);
            switch (value)
            {
                case string s:
                    table.Octet((byte)'S').LongStr(Encoding.UTF8.GetBytes(s));
                    break;
                case long l:
                    table.Octet((byte)'l').LongLong((ulong)l);
                    break;
                case RabbitMQ.Client.AmqpTimestamp t:
                    table.Octet((byte)'T').LongLong((ulong)t.UnixTime);
                    break;
                default:
                    throw new ArgumentException($"no table encoding for {value.GetType().Name}");
            }
        }
        return Long((uint)table._bytes.Count).Raw(table._bytes.ToArray());
    }

    public FrameWriter Raw(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            _bytes.Add(b);
        }
        return this;
    }

    public int Length => _bytes.Count;

    public byte[] ToFrame(byte type, ushort channel)
    {
        var frame = new byte[_bytes.Count + 8];
        frame[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), channel);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(3), (uint)_bytes.Count);
        _bytes.CopyTo(frame, 7);
        frame[^1] = 0xCE;
        return frame;
    }
}
