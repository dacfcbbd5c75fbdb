using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Tidings.MqttBench;

/// <summary>
/// One MQTT 3.1.1 connection over a plain socket. A receive loop parses what the broker sends:
/// each PUBLISH is reported to <see cref="Received"/> (its QoS 1 PUBACKs are batched per read and
/// sent by the loop), each PUBACK to <see cref="Acknowledged"/>. Sending is the caller's, from one
/// task at a time; the loop only sends acknowledgements, which a publisher never needs.
/// </summary>
internal sealed class RawMqttClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _receive = new byte[256 * 1024];
    private readonly byte[] _acks = new byte[64 * 1024];
    private readonly TaskCompletionSource<byte> _connAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _subAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;

    private RawMqttClient(Socket socket) => _socket = socket;

    /// <summary>A PUBLISH arrived: sequence number and send timestamp from its payload.</summary>
    public Action<long, long>? Received { get; set; }

    /// <summary>PUBACKs arrived for the client's own QoS 1 publishes (how many in one read).</summary>
    public Action<int>? Acknowledged { get; set; }

    /// <summary>Why the receive loop ended early, or null.</summary>
    public Exception? Failure { get; private set; }

    /// <param name="received">Set before the receive loop starts: a resumed session's backlog may follow CONNACK in the same read.</param>
    public static async Task<RawMqttClient> ConnectAsync(IPEndPoint broker, string clientId, bool cleanSession, CancellationToken cancellation,
        Action<long, long>? received = null)
    {
        var socket = new Socket(broker.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(broker, cancellation);
        var client = new RawMqttClient(socket) { Received = received };
        client._loop = client.ReceiveLoopAsync();
        await client.SendAsync(MqttWire.Connect(clientId, cleanSession, keepAliveSeconds: 600), cancellation);
        byte code = await client._connAck.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellation);
        if (code != 0) throw new InvalidOperationException($"CONNACK return code {code} for client '{clientId}'");
        return client;
    }

    public async Task SubscribeAsync(string filter, int qos, CancellationToken cancellation)
    {
        _subAck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await SendAsync(MqttWire.Subscribe(1, filter, qos), cancellation);
        await _subAck.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellation);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellation) => SendAllAsync(bytes, cancellation);

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellation)
    {
        while (!bytes.IsEmpty)
        {
            int sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellation);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Sends DISCONNECT and closes: a clean leave, so a persistent session is kept and no will is sent.</summary>
    public async Task DisconnectAsync()
    {
        try
        {
            await SendAsync(MqttWire.Disconnect, CancellationToken.None);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
        await DisposeAsync();
    }

    private async Task ReceiveLoopAsync()
    {
        int filled = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int read = await _socket.ReceiveAsync(_receive.AsMemory(filled), SocketFlags.None, _stop.Token);
                if (read == 0) return;
                filled += read;
                int consumed = Parse(_receive.AsSpan(0, filled), out int ackBytes, out int pubAcks);
                if (pubAcks > 0) Acknowledged?.Invoke(pubAcks);
                if (ackBytes > 0) await SendAllAsync(_acks.AsMemory(0, ackBytes), _stop.Token);
                filled -= consumed;
                if (filled > 0) _receive.AsSpan(consumed, filled).CopyTo(_receive);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidDataException)
        {
            Failure = e;
        }
        finally
        {
            _connAck.TrySetException(new IOException("the broker closed the connection before CONNACK"));
        }
    }

    /// <summary>Handles every whole packet in <paramref name="buffer"/>; returns the bytes used.</summary>
    private int Parse(ReadOnlySpan<byte> buffer, out int ackBytes, out int pubAcks)
    {
        int offset = 0;
        ackBytes = 0;
        pubAcks = 0;
        while (MqttWire.TryReadHeader(buffer[offset..], out byte first, out int header, out int remaining)
               && buffer.Length - offset >= header + remaining)
        {
            var body = buffer.Slice(offset + header, remaining);
            switch (first & 0xF0)
            {
                case MqttWire.Publish:
                    int qos = (first >> 1) & 3;
                    int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
                    int at = 2 + topicLength;
                    if (qos > 0)
                    {
                        ushort id = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
                        at += 2;
                        if (ackBytes + 4 > _acks.Length) throw new InvalidDataException("too many acks in one read");
                        MqttWire.WritePubAck(_acks.AsSpan(ackBytes), id);
                        ackBytes += 4;
                    }
                    var payload = body[at..];
                    long sequence = payload.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(payload) : -1;
                    long timestamp = payload.Length >= MqttWire.PayloadHeader ? BinaryPrimitives.ReadInt64LittleEndian(payload[8..]) : 0;
                    Received?.Invoke(sequence, timestamp);
                    break;
                case MqttWire.PubAck:
                    pubAcks++;
                    break;
                case MqttWire.ConnAck:
                    _connAck.TrySetResult(body.Length >= 2 ? body[1] : (byte)0xFF);
                    break;
                case MqttWire.SubAck:
                    _subAck.TrySetResult();
                    break;
            }
            offset += header + remaining;
        }
        return offset;
    }

    public async ValueTask DisposeAsync()
    {
        // Runs from DisconnectAsync and again from `await using`: only the first call closes.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // Ending anyway.
        }
        _stop.Dispose();
    }
}
