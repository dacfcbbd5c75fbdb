using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;

namespace Tidings.Connections.Transports;

/// <summary>
/// A WebSocket seen as the byte pipes a protocol connection reads and writes, so a protocol that
/// runs over TCP runs unchanged over WebSocket (MQTT at <c>/mqtt</c>). Binary messages are a byte
/// stream: a packet may span messages and a message may hold many packets, as MQTT over
/// WebSocket allows. Each write batch the connection flushes goes out as one message.
/// </summary>
public sealed class WebSocketTransport : IDuplexPipe
{
    /// <summary>Bytes the pump waits for before it stops receiving (the protocol has not read them yet).</summary>
    private const long PauseReceivingAt = 1024 * 1024;

    private readonly WebSocket _socket;
    /// <summary>What the socket received, for the protocol to read.</summary>
    private readonly Pipe _received = new(new PipeOptions(pauseWriterThreshold: PauseReceivingAt, resumeWriterThreshold: PauseReceivingAt / 2,
        useSynchronizationContext: false));
    /// <summary>What the protocol wrote, for the socket to send.</summary>
    private readonly Pipe _sending = new(new PipeOptions(useSynchronizationContext: false));

    /// <summary>A transport over an accepted WebSocket; call <see cref="RunAsync"/> beside the protocol connection.</summary>
    public WebSocketTransport(WebSocket socket) => _socket = socket;

    /// <inheritdoc />
    public PipeReader Input => _received.Reader;

    /// <inheritdoc />
    public PipeWriter Output => _sending.Writer;

    /// <summary>
    /// Pumps both ways until the connection completed its output (then the WebSocket is closed
    /// normally) or the peer closed or broke the socket (then the connection's input ends).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var receiving = ReceiveAsync(stop.Token);
        await SendAsync(stop.Token).ConfigureAwait(false);
        // The connection is done writing: nothing more it reads matters.
        await stop.CancelAsync().ConfigureAwait(false);
        await receiving.ConfigureAwait(false);
    }

    private async Task ReceiveAsync(CancellationToken cancellation)
    {
        var writer = _received.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(4096);
                var received = await _socket.ReceiveAsync(memory, cancellation).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close) break;
                if (received.MessageType == WebSocketMessageType.Text)
                {
                    // MQTT over WebSocket is binary only [MQTT-6.0.0-1]: the connection closes.
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.InvalidMessageType, "binary messages only", CancellationToken.None)
                        .ConfigureAwait(false);
                    break;
                }
                writer.Advance(received.Count);
                var flushed = await writer.FlushAsync(cancellation).ConfigureAwait(false);
                if (flushed.IsCompleted) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The peer went away, or the connection is over: the protocol sees its input end.
            if (e is not OperationCanceledException) error = e;
        }
        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendAsync(CancellationToken cancellation)
    {
        var reader = _sending.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
                var buffer = result.Buffer;
                var position = buffer.Start;
                while (buffer.TryGet(ref position, out var segment))
                {
                    if (segment.IsEmpty) continue;
                    // One message per flushed batch: the last segment ends it.
                    await _socket.SendAsync(segment, WebSocketMessageType.Binary, IsLast(buffer, position),
                        cancellation).ConfigureAwait(false);
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted) break;
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellation).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The peer is gone: what is left unsent cannot be delivered.
        }
        await reader.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>True when nothing but empty segments follow <paramref name="position"/>.</summary>
    private static bool IsLast(in ReadOnlySequence<byte> buffer, SequencePosition position)
    {
        while (buffer.TryGet(ref position, out var rest))
        {
            if (!rest.IsEmpty) return false;
        }
        return true;
    }
}
