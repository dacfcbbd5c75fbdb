using Microsoft.AspNetCore.Http;
using Tidings.Core.Queues;
using Tidings.Http.Common;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>/api/queues: list, show, declare, delete, purge, get messages, bindings.</summary>
internal static class QueueEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.GetList("queues", Access.Management, "Queues in every visible virtual host", List);
        router.GetList("queues/detailed", Access.Management, "Queues with every field (same as /api/queues here)", List);
        router.GetList("queues/{vhost}", Access.Management, "Queues of one virtual host", r =>
            ListReply.Reply(r, r.Vhost().Queues, Formats.QueueListing(r.Sampler)));
        router.Get("queues/{vhost}/{name}", Access.Management, "One queue, with consumer_details", r =>
            ListReply.One(r, Formats.Queue(Find(r), r.Sampler, withConsumerDetails: true)));
        router.Put("queues/{vhost}/{name}", Access.Management,
            "Declares a queue (201) or checks an existing one is equivalent (204); body: durable, auto_delete, arguments", Put);
        router.Delete("queues/{vhost}/{name}", Access.Management, "Deletes a queue; query if-empty=true, if-unused=true", Delete);
        router.Delete("queues/{vhost}/{name}/contents", Access.Management, "Purges a queue", Purge);
        router.Post("queues/{vhost}/{name}/get", Access.Management,
            "Gets messages: count, ackmode (ack_requeue_true|ack_requeue_false|reject_requeue_true|reject_requeue_false), encoding (auto|base64), truncate",
            GetMessages);
        router.GetList("queues/{vhost}/{name}/bindings", Access.Management, "Bindings to a queue, the default exchange's included", r =>
        {
            var queue = Find(r);
            return ListReply.Reply(r, Formats.Bindings(queue.VirtualHost)
                .Where(b => b.DestinationType == "queue" && b.Destination == queue.Name), Formats.BindingListing);
        });
    }

    private static IResult List(ApiRequest request) =>
        ListReply.Reply(request, request.VisibleVhosts(fromPath: false).SelectMany(v => v.Queues), Formats.QueueListing(request.Sampler));

    private static IQueue Find(ApiRequest request) =>
        request.Vhost().FindQueue(request["name"]) ?? throw new ApiError(HttpErrors.NotFound());

    private static IResult Put(ApiRequest request)
    {
        var vhost = request.Vhost();
        string name = request["name"];
        if (name.Length == 0) return HttpErrors.BadRequest("queue name must not be empty");
        bool existed = vhost.FindQueue(name) is not null;
        bool durable = request.Bool("durable", false), autoDelete = request.Bool("auto_delete", false);
        var arguments = request.Table("arguments");
        using var connection = request.Connect(vhost);
        // "exclusive" is not settable over HTTP, as in RabbitMQ: the queue would die with this request.
        vhost.DeclareQueue(name, durable, exclusive: false, autoDelete, arguments.Count == 0 ? null : arguments, caller: connection);
        return existed ? Results.NoContent() : Results.StatusCode(StatusCodes.Status201Created);
    }

    private static IResult Delete(ApiRequest request)
    {
        var queue = Find(request);
        using var connection = request.Connect(queue.VirtualHost);
        queue.VirtualHost.DeleteQueue(queue.Name, ifUnused: request.QueryFlag("if-unused"), ifEmpty: request.QueryFlag("if-empty"),
            caller: connection);
        return Results.NoContent();
    }

    private static IResult Purge(ApiRequest request)
    {
        var queue = Find(request);
        using var connection = request.Connect(queue.VirtualHost);
        queue.VirtualHost.PurgeQueue(queue.Name, connection);
        return Results.NoContent();
    }

    /// <summary>
    /// Gets up to count messages with basic.get on a session of its own, then settles them all
    /// at once as the ack mode says — requeued ones go back only after the last get, so count=2
    /// returns two different messages.
    /// </summary>
    private static IResult GetMessages(ApiRequest request)
    {
        var queue = Find(request);
        long count = Json.AsLong(request.Require("count"), "count");
        string ackMode = request.Field("ackmode") is { } mode
            ? Json.AsString(mode, "ackmode")
            : request.Field("requeue") is { } requeue // the pre-3.7 spelling
                ? (Json.AsBool(requeue, "requeue") ? "ack_requeue_true" : "ack_requeue_false")
                : throw new ApiError(HttpErrors.BadRequest("[{key_missing,ackmode}]"));
        if (ackMode is not ("ack_requeue_true" or "ack_requeue_false" or "reject_requeue_true" or "reject_requeue_false"))
            return HttpErrors.BadRequest($"unknown ackmode '{ackMode}'");
        string encoding = Json.AsString(request.Require("encoding"), "encoding");
        if (encoding is not ("auto" or "base64")) return HttpErrors.BadRequest($"Unsupported encoding {encoding}: use auto or base64");
        long? truncate = request.Field("truncate") is { } t ? Json.AsLong(t, "truncate") : null;

        using var connection = request.Connect(queue.VirtualHost);
        var session = connection.OpenSession(1);
        var replies = new List<Fields>();
        for (long i = 0; i < count; i++)
        {
            var got = session.Get(queue.Name, noAck: false);
            if (got is null) break;
            var message = got.Message;
            var (payload, payloadEncoding) = MessageJson.FormatPayload(message.Body.Span, encoding == "auto", truncate);
            replies.Add(new Fields(StringComparer.Ordinal)
            {
                ["payload_bytes"] = message.Body.Length,
                ["redelivered"] = got.Redelivered,
                ["exchange"] = message.Exchange,
                ["routing_key"] = message.RoutingKey,
                ["message_count"] = got.MessagesRemaining,
                ["properties"] = MessageJson.Properties(message.Properties),
                ["payload"] = payload,
                ["payload_encoding"] = payloadEncoding,
            });
        }
        if (replies.Count > 0)
        {
            switch (ackMode)
            {
                case "ack_requeue_false":
                    session.Ack(0, multiple: true);
                    break;
                case "reject_requeue_false":
                    session.Nack(0, multiple: true, requeue: false);
                    break;
                default:
                    session.Nack(0, multiple: true, requeue: true);
                    break;
            }
        }
        return Json.Ok(replies);
    }
}
