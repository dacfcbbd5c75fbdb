using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tidings.Core;

namespace Tidings.Http.Messaging;

/// <summary>
/// /api/rest/vhosts/{vhost}/queues/{queue}/ws?prefetch=&amp;ack= — a queue consumer over a WebSocket.
/// The server sends one JSON text frame per delivery (the shape of <see cref="MessageJson.WriteDelivery"/>);
/// the client sends {"ack":tag} or {"nack":tag,"requeue":bool} (both with optional "multiple").
/// Two loops share the socket, as the protocol allows one sender and one receiver at a time.
/// </summary>
internal static class WebSocketEndpoint
{
    /// <summary>How a loop wants the socket closed; null from a loop means the socket is gone.</summary>
    private readonly record struct Closing(WebSocketCloseStatus Status, string Reason, bool ByClient = false);

    /// <summary>A client frame the server will not accept; closes the socket with its status.</summary>
    private sealed class FrameException(WebSocketCloseStatus status, string reason) : Exception(reason)
    {
        public WebSocketCloseStatus Status { get; } = status;
    }

    public static async Task HandleAsync(HttpContext context, MessagingRegistry registry)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            throw RestException.BadRequest("this endpoint speaks WebSocket: connect with a WebSocket client (ws:// or wss://)");
        var caller = RestCaller.Resolve(context, registry.Broker);
        string queue = RouteNames.Get(context, "queue");
        var options = ConsumeOptions.FromQuery(context.Request.Query);
        // Consume before the upgrade, so a missing queue or a refusal is an HTTP status, not a close frame.
        using var stream = ConsumerStream.Start(caller, queue, options, $"REST WebSocket on queue '{queue}'");
        using var stopping = registry.Stopping.Register(
            static s => ((ConsumerStream)s!).End(StreamEnd.ShuttingDown, "the server is shutting down"), stream);
        var accept = new WebSocketAcceptContext
        {
            SubProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains(RestCaller.SubProtocol) ? RestCaller.SubProtocol : null,
        };
        using var socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
        await RunAsync(socket, stream, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task RunAsync(WebSocket socket, ConsumerStream stream, CancellationToken aborted)
    {
        // The send loop stops waiting for deliveries on stopSending but finishes a frame it began
        // (cancelling a send would abort the socket and lose the close reason); the receive loop
        // is cancelled only when the client does not finish the close handshake in time.
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        using var stopReceiving = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var send = SendLoopAsync(socket, stream, stopSending.Token, aborted);
        var receive = ReceiveLoopAsync(socket, stream, stopReceiving.Token);
        try
        {
            if (await Task.WhenAny(send, receive).ConfigureAwait(false) == receive)
            {
                var closing = await Outcome(receive).ConfigureAwait(false);
                await stopSending.CancelAsync().ConfigureAwait(false);
                await Outcome(send).ConfigureAwait(false);
                if (closing is { ByClient: true })
                {
                    if (socket.State == WebSocketState.CloseReceived)
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, aborted).ConfigureAwait(false);
                }
                else if (closing is { } c && socket.State == WebSocketState.Open)
                {
                    // Our close for a bad client frame: send it and wait, bounded, for the client's reply.
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                    timeout.CancelAfter(MessagingLimits.CloseHandshakeTimeout);
                    await socket.CloseAsync(c.Status, Truncate(c.Reason), timeout.Token).ConfigureAwait(false);
                }
            }
            else
            {
                var closing = await Outcome(send).ConfigureAwait(false);
                if (closing is { } c && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync(c.Status, Truncate(c.Reason), aborted).ConfigureAwait(false);
                // The receive loop returns when the client's close frame arrives.
                if (await Task.WhenAny(receive, Task.Delay(MessagingLimits.CloseHandshakeTimeout, aborted)).ConfigureAwait(false) != receive)
                    await stopReceiving.CancelAsync().ConfigureAwait(false);
                await Outcome(receive).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client vanished mid-handshake; disposing the stream requeues what it did not ack.
        }
        finally
        {
            await stopSending.CancelAsync().ConfigureAwait(false);
            await stopReceiving.CancelAsync().ConfigureAwait(false);
            await Outcome(send).ConfigureAwait(false);
            await Outcome(receive).ConfigureAwait(false);
        }
    }

    /// <summary>A loop's result, or null when it failed because the socket broke or was cancelled.</summary>
    private static async Task<Closing?> Outcome(Task<Closing?> loop)
    {
        try
        {
            return await loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            return null;
        }
    }

    private static async Task<Closing?> SendLoopAsync(WebSocket socket, ConsumerStream stream, CancellationToken stop, CancellationToken aborted)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        await using var json = new Utf8JsonWriter(buffer);
        var reader = stream.Deliveries;
        while (stream.EndReason is null)
        {
            if (!reader.TryRead(out var delivery))
            {
                try
                {
                    if (!await reader.WaitToReadAsync(stop).ConfigureAwait(false)) break;
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    return null; // the receive side decided how to close
                }
                continue;
            }
            buffer.ResetWrittenCount();
            json.Reset(buffer);
            MessageJson.WriteDelivery(json, delivery.DeliveryTag, delivery.Redelivered, delivery.Message);
            json.Flush();
            stream.MarkSent(delivery.DeliveryTag);
            await socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, aborted).ConfigureAwait(false);
            stream.Written(delivery.DeliveryTag, buffer.WrittenCount);
        }
        return stream.EndKind switch
        {
            StreamEnd.ShuttingDown => new Closing(WebSocketCloseStatus.EndpointUnavailable, stream.EndReason!),
            StreamEnd.Failed => new Closing(WebSocketCloseStatus.InternalServerError, stream.EndReason!),
            _ => new Closing(WebSocketCloseStatus.NormalClosure, stream.EndReason!),
        };
    }

    private static async Task<Closing?> ReceiveLoopAsync(WebSocket socket, ConsumerStream stream, CancellationToken stop)
    {
        var buffer = new byte[MessagingLimits.MaxControlMessageBytes];
        while (true)
        {
            int length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                    return new Closing(WebSocketCloseStatus.MessageTooBig, $"frames from the client are limited to {buffer.Length} bytes");
                result = await socket.ReceiveAsync(buffer.AsMemory(length), stop).ConfigureAwait(false);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close) return new Closing(WebSocketCloseStatus.NormalClosure, "", ByClient: true);
            if (result.MessageType == WebSocketMessageType.Binary)
                return new Closing(WebSocketCloseStatus.InvalidMessageType, "send acks as JSON text frames");
            try
            {
                Settle(stream, buffer.AsMemory(0, length));
            }
            catch (FrameException e)
            {
                return new Closing(e.Status, e.Message);
            }
            catch (RestException e)
            {
                return new Closing(WebSocketCloseStatus.PolicyViolation, e.Message);
            }
            catch (BrokerException e)
            {
                return new Closing(WebSocketCloseStatus.PolicyViolation, e.Message);
            }
        }
    }

    /// <summary>Applies {"ack":tag,"multiple":bool} or {"nack":tag,"multiple":bool,"requeue":bool}.</summary>
    private static void Settle(ConsumerStream stream, ReadOnlyMemory<byte> frame)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException e)
        {
            throw new FrameException(WebSocketCloseStatus.InvalidPayloadData, $"malformed JSON: {e.Message}");
        }
        using (document)
        {
            // 1007 is WebSocket's close code for text that is not valid UTF-8 (RFC 6455 7.4.1).
            if (Common.Utf8Input.JsonProblem(frame) is { } problem)
                throw new FrameException(WebSocketCloseStatus.InvalidPayloadData, problem);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FrameException(WebSocketCloseStatus.InvalidPayloadData, "frames must be JSON objects");
            ulong? ack = null, nack = null;
            bool multiple = false, requeue = true;
            foreach (var field in document.RootElement.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "ack": ack = RestBody.DeliveryTag(field); break;
                    case "nack": nack = RestBody.DeliveryTag(field); break;
                    case "multiple": multiple = RestBody.Bool(field); break;
                    case "requeue": requeue = RestBody.Bool(field); break;
                    default: throw RestException.BadRequest($"unknown field '{field.Name}'; known: ack, nack, multiple, requeue");
                }
            }
            if (ack is { } a && nack is null) stream.Ack(a, multiple);
            else if (nack is { } n && ack is null) stream.Nack(n, multiple, requeue);
            else throw RestException.BadRequest("a frame must hold either \"ack\" or \"nack\" with a delivery tag");
        }
    }

    /// <summary>A close reason fits in 123 bytes of UTF-8.</summary>
    private static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= 123) return reason;
        int chars = Math.Min(reason.Length, 120);
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, chars)) > 120) chars--;
        return reason[..chars] + "...";
    }
}
