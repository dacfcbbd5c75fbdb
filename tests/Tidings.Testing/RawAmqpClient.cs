using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tidings.Amqp.Protocol;
using Xunit;

namespace Tidings.Testing;

/// <summary>
/// A minimal AMQP 0-9-1 client on a bare socket, built from the broker's own codec
/// (<see cref="FrameWriter"/>, <see cref="FrameReader"/>, the generated method structs). It sends
/// exactly the bytes a test asks for, so tests can break the protocol on purpose, which no real
/// client library allows.
/// </summary>
internal sealed class RawAmqpClient : IAsyncDisposable
{
    /// <summary>A frame as received; the payload is copied out of the receive buffer.</summary>
    internal sealed record Frame(FrameType Type, ushort Channel, byte[] Payload)
    {
        public AmqpMethodId MethodId => (AmqpMethodId)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload);

        public ReadOnlySequence<byte> Arguments => new(Payload, 4, Payload.Length - 4);

        public bool IsMethod<T>() where T : struct, IAmqpMethod<T> => Type == FrameType.Method && MethodId == default(T).Id;

        public T Read<T>() where T : struct, IAmqpMethod<T>
        {
            Assert.True(IsMethod<T>(), $"expected {default(T).Id}, got {Describe()}");
            return T.Read(Arguments);
        }

        public string Describe() => Type == FrameType.Method ? $"{MethodId} on channel {Channel}" : $"{Type} frame on channel {Channel}";
    }

    /// <summary>The connected socket; owned here.</summary>
    private readonly Socket _socket;
    /// <summary>Bytes received but not yet cut into frames.</summary>
    private readonly List<byte> _received = [];
    /// <summary>True once the server closed its side.</summary>
    private bool _eof;

    private RawAmqpClient(Socket socket) => _socket = socket;

    /// <summary>Frame-max used to validate incoming frames (the server's offer until tuned).</summary>
    public uint FrameMax { get; private set; } = 131072;

    /// <summary>How long any single read may wait before the test fails.</summary>
    public static TimeSpan ReadTimeout { get; } = TimeSpan.FromSeconds(10);

    public static async Task<RawAmqpClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(ReadTimeout);
        return new RawAmqpClient(socket);
    }

    /// <summary>
    /// Protocol header, start-ok (PLAIN guest/guest), tune-ok with the given values, open "/".
    /// Returns the server's connection.tune.
    /// </summary>
    public async Task<ConnectionTune> HandshakeAsync(ushort heartbeat = 0, uint frameMax = 0, ushort channelMax = 0,
        Dictionary<string, object?>? capabilities = null)
    {
        await SendRawAsync(ProtocolHeader.Amqp091.ToArray());
        await ExpectMethodAsync<ConnectionStart>(0);
        await SendMethodAsync(0, new ConnectionStartOk
        {
            ClientProperties = new Dictionary<string, object?>
            {
                ["product"] = "Tidings raw test client",
                ["capabilities"] = capabilities ?? new Dictionary<string, object?>
                {
                    ["consumer_cancel_notify"] = true,
                    ["connection.blocked"] = true,
                    ["authentication_failure_close"] = true,
                },
            },
            Mechanism = "PLAIN",
            Response = Encoding.UTF8.GetBytes("\0guest\0guest"),
        });
        var tune = await ExpectMethodAsync<ConnectionTune>(0);
        uint negotiatedFrameMax = frameMax == 0 ? tune.FrameMax : frameMax;
        await SendMethodAsync(0, new ConnectionTuneOk
        {
            ChannelMax = channelMax == 0 ? tune.ChannelMax : channelMax,
            FrameMax = negotiatedFrameMax,
            Heartbeat = heartbeat,
        });
        FrameMax = negotiatedFrameMax;
        await SendMethodAsync(0, new ConnectionOpen { VirtualHost = "/" });
        await ExpectMethodAsync<ConnectionOpenOk>(0);
        return tune;
    }

    /// <summary>Opens channel <paramref name="channel"/> and waits for open-ok.</summary>
    public async Task OpenChannelAsync(ushort channel)
    {
        await SendMethodAsync(channel, new ChannelOpen());
        await ExpectMethodAsync<ChannelOpenOk>(channel);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) =>
        await _socket.SendAsync(bytes, SocketFlags.None).AsTask().WaitAsync(ReadTimeout);

    public Task SendMethodAsync<T>(ushort channel, T method) where T : IAmqpMethod =>
        SendFramesAsync(w => FrameWriter.WriteMethod(w, channel, method));

    /// <summary>Writes frames with the codec and sends them in one go.</summary>
    public Task SendFramesAsync(Action<ArrayBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return SendRawAsync(buffer.WrittenMemory);
    }

    /// <summary>Sends basic.publish with its content header and body frames.</summary>
    public Task PublishAsync(ushort channel, string exchange, string routingKey, byte[] body) =>
        SendFramesAsync(w => FrameWriter.WriteContentMethod(w, channel,
            new BasicPublish { Exchange = exchange, RoutingKey = routingKey },
            Tidings.Core.Messages.MessageProperties.Empty, body, FrameMax));

    /// <summary>The next frame, heartbeats included; null when the server closed the socket.</summary>
    public async Task<Frame?> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        while (true)
        {
            var buffer = new ReadOnlySequence<byte>(_received.ToArray());
            if (FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame))
            {
                var copy = new Frame(frame.Type, frame.Channel, frame.Payload.ToArray());
                _received.RemoveRange(0, _received.Count - (int)buffer.Length);
                return copy;
            }
            if (_eof || !await ReceiveAsync(timeout.Token)) return null;
        }
    }

    /// <summary>The next frame other than a heartbeat; fails the test when the socket closes first.</summary>
    public async Task<Frame> ReadNonHeartbeatAsync()
    {
        while (true)
        {
            var frame = await ReadFrameAsync();
            Assert.NotNull(frame);
            if (frame.Type != FrameType.Heartbeat) return frame;
        }
    }

    /// <summary>Reads past heartbeats and expects the method <typeparamref name="T"/> on <paramref name="channel"/>.</summary>
    public async Task<T> ExpectMethodAsync<T>(ushort channel) where T : struct, IAmqpMethod<T>
    {
        var frame = await ReadNonHeartbeatAsync();
        Assert.Equal(channel, frame.Channel);
        return frame.Read<T>();
    }

    /// <summary>Reads a content header and its body frames on <paramref name="channel"/>.</summary>
    public async Task<(ContentHeader Header, byte[] Body)> ReadContentAsync(ushort channel)
    {
        var headerFrame = await ReadNonHeartbeatAsync();
        Assert.Equal((FrameType.Header, channel), (headerFrame.Type, headerFrame.Channel));
        var header = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(headerFrame.Payload));
        var body = new List<byte>();
        while ((ulong)body.Count < header.BodySize)
        {
            var frame = await ReadNonHeartbeatAsync();
            Assert.Equal((FrameType.Body, channel), (frame.Type, frame.Channel));
            body.AddRange(frame.Payload);
        }
        return (header, body.ToArray());
    }

    /// <summary>
    /// Expects connection.close (skipping heartbeats and anything on other channels), answers it with
    /// close-ok as a well-behaved client would, and returns it.
    /// </summary>
    public async Task<ConnectionClose> ExpectConnectionCloseAsync()
    {
        while (true)
        {
            var frame = await ReadFrameAsync();
            Assert.True(frame is not null, "the server closed the socket without connection.close");
            if (frame.Channel != 0 || frame.Type != FrameType.Method) continue;
            var close = frame.Read<ConnectionClose>();
            await SendMethodAsync(0, new ConnectionCloseOk());
            return close;
        }
    }

    /// <summary>Reads (and discards) until the server closes the socket; false if it is still open after <paramref name="within"/>.</summary>
    public async Task<bool> WaitForServerCloseAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (!_eof && await ReceiveAsync(timeout.Token))
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>All bytes the server sends until it closes the socket (bounded by the read timeout).</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        while (!_eof && await ReceiveAsync(timeout.Token))
        {
        }
        return [.. _received];
    }

    private async Task<bool> ReceiveAsync(CancellationToken cancellation)
    {
        var chunk = new byte[64 * 1024];
        int n;
        try
        {
            n = await _socket.ReceiveAsync(chunk, SocketFlags.None, cancellation);
        }
        catch (SocketException)
        {
            n = 0; // reset by the server counts as closed
        }
        if (n == 0)
        {
            _eof = true;
            return false;
        }
        _received.AddRange(chunk.AsSpan(0, n));
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
