using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tidings.Core.Sessions;

namespace Tidings.Http.Messaging;

/// <summary>
/// GET /api/rest/vhosts/{vhost}/queues/{queue}/events?prefetch=&amp;ack= — a queue consumer as
/// Server-Sent Events. The first event ("ready") carries the stream id that acks name; then each
/// delivery is one unnamed event ("message" to EventSource) with id = delivery tag and the
/// message as JSON; a "closed" event says why the server ended the stream.
/// </summary>
internal static class EventStreamEndpoint
{
    public static async Task HandleAsync(HttpContext context, MessagingRegistry registry)
    {
        var caller = RestCaller.Resolve(context, registry.Broker);
        string queue = RouteNames.Get(context, "queue");
        var options = ConsumeOptions.FromQuery(context.Request.Query);
        using var stream = ConsumerStream.Start(caller, queue, options, $"REST events from queue '{queue}'");
        registry.Add(stream);
        try
        {
            using var stopping = registry.Stopping.Register(
                static s => ((ConsumerStream)s!).End(StreamEnd.ShuttingDown, "the server is shutting down"), stream);
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass events through as they come
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await WriteEventsAsync(response.BodyWriter, stream, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            registry.Remove(stream);
        }
    }

    /// <summary>Writes deliveries until the stream ends or the client leaves (then the token cancels).</summary>
    private static async Task WriteEventsAsync(PipeWriter output, ConsumerStream stream, CancellationToken aborted)
    {
        await using var json = new Utf8JsonWriter(output);
        WriteReady(output, json, stream);
        if (await IsGoneAsync(output.FlushAsync(aborted)).ConfigureAwait(false)) return;

        var reader = stream.Deliveries;
        long unflushed = 0;
        ulong lastTag = 0;
        Task<bool>? waiting = null; // kept across heartbeats so no waiter is abandoned
        while (stream.EndReason is null)
        {
            if (reader.TryRead(out var delivery))
            {
                stream.MarkSent(delivery.DeliveryTag);
                unflushed += WriteDelivery(output, json, delivery);
                lastTag = delivery.DeliveryTag;
                if (unflushed < MessagingLimits.StreamFlushBytes) continue;
            }
            if (unflushed > 0)
            {
                if (await IsGoneAsync(output.FlushAsync(aborted)).ConfigureAwait(false)) return;
                stream.Written(lastTag, unflushed);
                unflushed = 0;
                continue;
            }
            waiting ??= reader.WaitToReadAsync(aborted).AsTask();
            try
            {
                await waiting.WaitAsync(MessagingLimits.HeartbeatInterval, aborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                output.Write(": keep-alive\n\n"u8);
                if (await IsGoneAsync(output.FlushAsync(aborted)).ConfigureAwait(false)) return;
                continue;
            }
            bool more = await waiting.ConfigureAwait(false);
            waiting = null;
            if (!more) break;
        }
        if (stream.EndReason is { } reason)
        {
            output.Write("event: closed\ndata: "u8);
            json.Reset();
            json.WriteStartObject();
            json.WriteString("reason"u8, reason);
            json.WriteEndObject();
            json.Flush();
            output.Write("\n\n"u8);
            await output.FlushAsync(aborted).ConfigureAwait(false);
        }
    }

    private static void WriteReady(PipeWriter output, Utf8JsonWriter json, ConsumerStream stream)
    {
        output.Write("event: ready\ndata: "u8);
        json.Reset();
        json.WriteStartObject();
        json.WriteString("stream_id"u8, stream.Id);
        json.WriteString("vhost"u8, stream.VirtualHost.Name);
        json.WriteString("queue"u8, stream.Queue);
        json.WriteString("ack"u8, stream.Options.AckMode.Name());
        json.WriteNumber("prefetch"u8, stream.Options.Prefetch);
        if (stream.Options.AckMode == AckMode.Manual)
        {
            json.WriteString("ack_url"u8, $"/api/rest/streams/{stream.Id}/ack");
            json.WriteString("nack_url"u8, $"/api/rest/streams/{stream.Id}/nack");
        }
        json.WriteEndObject();
        json.Flush();
        output.Write("\n\n"u8);
    }

    /// <summary>"id: tag\ndata: {json}\n\n"; returns the bytes written. JSON text never holds a raw newline.</summary>
    private static long WriteDelivery(PipeWriter output, Utf8JsonWriter json, in Delivery delivery)
    {
        var prefix = output.GetSpan(32);
        "id: "u8.CopyTo(prefix);
        delivery.DeliveryTag.TryFormat(prefix[4..], out int digits, provider: System.Globalization.CultureInfo.InvariantCulture);
        int length = 4 + digits;
        "\ndata: "u8.CopyTo(prefix[length..]);
        length += 7;
        output.Advance(length);
        json.Reset();
        MessageJson.WriteDelivery(json, delivery.DeliveryTag, delivery.Redelivered, delivery.Message);
        json.Flush();
        output.Write("\n\n"u8);
        return length + json.BytesCommitted + 2;
    }

    /// <summary>True when the client is gone (the response was completed or cancelled under us).</summary>
    private static async Task<bool> IsGoneAsync(ValueTask<FlushResult> flush)
    {
        var result = await flush.ConfigureAwait(false);
        return result.IsCanceled || result.IsCompleted;
    }
}
