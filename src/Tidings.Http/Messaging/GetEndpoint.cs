using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Queues;

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

    public static async Task HandleAsync(HttpContext context, MessagingRegistry registry)
    {
        var caller = RestCaller.Resolve(context, registry.Broker);
        string queue = RouteNames.Get(context, "queue");
        GetRequest request;
        using (var document = await RestBody.ReadControlAsync(context).ConfigureAwait(false))
            request = Parse(RestBody.RootObject(document));

        // No connection: the core's connectionless receive hides each message for the lease's
        // length (ack=auto: until the answer is written), after which it returns on its own.
        var vhost = caller.VirtualHost;
        var visibility = TimeSpan.FromMilliseconds(request.AckMode == AckMode.Manual ? request.LeaseMs : MessagingLimits.DefaultLeaseMs);
        var messages = new List<QueueDelivery>(Math.Min(request.Count, 64));
        vhost.Receive(queue, caller.User, request.Count, visibility, messages);
        if (messages.Count == 0 && request.WaitMs > 0)
            await WaitAsync(context, registry, caller, queue, request, visibility, messages).ConfigureAwait(false);

        Lease? lease = null;
        bool answered = false;
        try
        {
            if (request.AckMode == AckMode.Manual && messages.Count > 0)
                lease = registry.StartLease(caller.User, vhost, messages, visibility);

            context.Response.ContentType = "application/json";
            var output = context.Response.BodyWriter;
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
                ulong tag = 0;
                foreach (var m in messages)
                {
                    // Tags number the lease's deliveries 1…n; the lease maps them back to handles.
                    MessageJson.WriteDelivery(json, ++tag, m.Redelivered, m.Message);
                    json.Flush();
                    if (json.BytesCommitted - flushed < MessagingLimits.StreamFlushBytes) continue;
                    // Large answers go out as they are written instead of piling up in the pipe.
                    await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    flushed = json.BytesCommitted;
                }
                json.WriteEndArray();
                json.WriteEndObject();
                json.Flush();
            }
            await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            answered = true;
        }
        finally
        {
            // ack=auto: the messages count as delivered once the response is written; if writing
            // failed they go back now (a lease, if one started, requeues them when it ends).
            if (lease is null && messages.Count > 0)
                vhost.Settle(Handles(messages), answered ? Settlement.Ack : Settlement.Requeue);
            else if (!answered) lease?.End();
        }
    }

    private static DeliveryHandle[] Handles(List<QueueDelivery> messages) => [.. messages.Select(m => m.Handle)];

    /// <summary>
    /// Long poll: waits until the queue has a ready message and receives up to count, until
    /// wait_ms has passed (a consumer may take the message first; then it waits again).
    /// </summary>
    private static async Task WaitAsync(HttpContext context, MessagingRegistry registry, RestCaller caller, string queue,
        GetRequest request, TimeSpan visibility, List<QueueDelivery> messages)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(request.WaitMs), registry.Broker.Time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, registry.Stopping, context.RequestAborted);
        var vhost = caller.VirtualHost;
        while (messages.Count == 0)
        {
            try
            {
                await vhost.WhenReadyAsync(queue, caller.User, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                return; // timed out (or the server is stopping): answer with what there is, possibly nothing
            }
            // A queue deleted meanwhile wakes the wait and this receive answers 404.
            vhost.Receive(queue, caller.User, request.Count, visibility, messages);
        }
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
