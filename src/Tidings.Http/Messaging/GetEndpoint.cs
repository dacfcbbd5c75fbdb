using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Messages;

namespace Tidings.Http.Messaging;

/// <summary>
/// POST /api/rest/vhosts/{vhost}/queues/{queue}/get {"count","wait_ms","ack":"manual|auto","lease_ms"}
/// → {"lease_id","lease_expires_at","messages":[…]}. Takes up to count ready messages; when there
/// are none, waits up to wait_ms for the first to arrive. With ack=manual the messages stay unacked
/// under a lease until acked or nacked through /api/rest/leases/{id}/…, or requeued at expiry.
/// </summary>
internal static class GetEndpoint
{
    private readonly record struct GetRequest(int Count, int WaitMs, AckMode AckMode, int LeaseMs);

    private readonly record struct Got(ulong DeliveryTag, bool Redelivered, Message Message);

    public static async Task HandleAsync(HttpContext context, MessagingRegistry registry)
    {
        var caller = RestCaller.Resolve(context, registry.Broker);
        string queue = RouteNames.Get(context, "queue");
        GetRequest request;
        using (var document = await RestBody.ReadControlAsync(context).ConfigureAwait(false))
            request = Parse(RestBody.RootObject(document));

        var session = RestSession.Open(caller, "lease", $"REST get from queue '{queue}'");
        Lease? lease = null;
        try
        {
            var messages = new List<Got>(Math.Min(request.Count, 64));
            while (messages.Count < request.Count && session.Get(queue) is { } got)
                messages.Add(new Got(got.DeliveryTag, got.Redelivered, got.Message));
            if (messages.Count == 0 && request.WaitMs > 0)
                await WaitAsync(context, registry, session, queue, request, messages).ConfigureAwait(false);

            if (request.AckMode == AckMode.Manual && messages.Count > 0)
                lease = registry.StartLease(session, TimeSpan.FromMilliseconds(request.LeaseMs));

            context.Response.ContentType = "application/json";
            var output = context.Response.BodyWriter;
            long written = 0;
            await using (var json = new Utf8JsonWriter(output))
            {
                json.WriteStartObject();
                if (lease is null)
                {
                    json.WriteNull("lease_id"u8);
                    json.WriteNull("lease_expires_at"u8);
                }
                else
                {
                    json.WriteString("lease_id"u8, lease.Id);
                    json.WriteString("lease_expires_at"u8, lease.ExpiresAt.UtcDateTime);
                }
                json.WriteStartArray("messages"u8);
                long flushed = 0;
                foreach (var m in messages)
                {
                    MessageJson.WriteDelivery(json, m.DeliveryTag, m.Redelivered, m.Message);
                    json.Flush();
                    if (json.BytesCommitted - flushed < MessagingLimits.StreamFlushBytes) continue;
                    // Large answers go out as they are written instead of piling up in the pipe.
                    await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    flushed = json.BytesCommitted;
                }
                json.WriteEndArray();
                json.WriteEndObject();
                json.Flush();
                written = json.BytesCommitted;
            }
            await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            session.Connection.CountTraffic(0, written);
            // ack=auto: the messages count as delivered once the response is written; if writing
            // failed, closing the session below requeues them instead.
            if (request.AckMode == AckMode.Auto && messages.Count > 0) session.Ack(0, multiple: true);
        }
        finally
        {
            if (lease is null) session.Dispose();
        }
    }

    /// <summary>
    /// Waits for the first message with a consumer (prefetch = count, so it takes no more), then
    /// cancels it; what it received stays unacked on the session, like a get's message.
    /// </summary>
    private static async Task WaitAsync(HttpContext context, MessagingRegistry registry, RestSession session, string queue,
        GetRequest request, List<Got> messages)
    {
        var deliveries = new DeliveryChannel(request.Count);
        var consumer = session.Consume(queue, (ushort)request.Count, deliveries);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(request.WaitMs), registry.Broker.Time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, registry.Stopping, context.RequestAborted);
            try
            {
                await deliveries.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // Timed out (or the server is stopping): answer with what there is, possibly nothing.
            }
        }
        finally
        {
            session.Cancel(consumer.Tag);
        }
        // Deliveries happen under the queue lock, so after the cancel every one is in the channel.
        while (deliveries.Reader.TryRead(out var delivery))
            messages.Add(new Got(delivery.DeliveryTag, delivery.Redelivered, delivery.Message));
        if (messages.Count == 0 && deliveries.EndKind == StreamEnd.QueueDeleted && deliveries.EndReason is { } reason)
            throw RestException.NotFound(reason);
    }

    private static GetRequest Parse(JsonElement root)
    {
        int count = 1, waitMs = 0, leaseMs = MessagingLimits.DefaultLeaseMs;
        var ack = AckMode.Manual;
        foreach (var field in RestBody.Fields(root))
        {
            switch (field.Name)
            {
                case "count": count = (int)RestBody.Integer(field, 1, MessagingLimits.MaxGetCount); break;
                case "wait_ms": waitMs = (int)RestBody.Integer(field, 0, MessagingLimits.MaxWaitMs); break;
                case "ack": ack = AckModes.Parse(RestBody.String(field) ?? throw RestException.BadRequest("ack must be 'manual' or 'auto'")); break;
                case "lease_ms": leaseMs = (int)RestBody.Integer(field, 1, MessagingLimits.MaxLeaseMs); break;
                default: throw RestException.BadRequest($"unknown field '{field.Name}'; known: count, wait_ms, ack, lease_ms");
            }
        }
        return new GetRequest(count, waitMs, ack, leaseMs);
    }
}
