using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tidings.Core.Messages;

namespace Tidings.Http.Messaging;

/// <summary>POST /api/rest/vhosts/{vhost}/exchanges/{exchange}/publish → {"routed":bool,"rejected":bool}.</summary>
internal static class PublishEndpoint
{
    public static async Task HandleAsync(HttpContext context, MessagingRegistry registry)
    {
        var caller = RestCaller.Resolve(context, registry.Broker);
        string exchange = RouteNames.Exchange(context);
        var alarms = caller.Broker.Alarms;
        if (alarms.IsBlocked) throw RestException.Blocked($"publishing is blocked by a resource alarm: {alarms.Reason}");

        long maxMessageSize = caller.Broker.Options.MaxMessageSize;
        long limit = BodyLimit(maxMessageSize);
        using var document = await RestBody.ReadJsonAsync(context, limit,
            size => $"request body of {size} bytes is larger than the limit of {limit} bytes for max message size {maxMessageSize}")
            .ConfigureAwait(false) ?? throw RestException.BadRequest("a JSON body is required: {\"routing_key\":…,\"payload\":…}");
        var request = PublishRequest.Parse(document.RootElement, maxMessageSize);

        // One request, one publish: no connection or session, the core checks the user's permissions.
        var message = new Message(exchange, request.RoutingKey, request.Properties, request.Body);
        var result = caller.VirtualHost.Publish(message, caller.User, request.Mandatory);

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteBoolean("routed"u8, !result.Unroutable);
        json.WriteBoolean("rejected"u8, result.Rejected);
        json.WriteEndObject();
    }

    /// <summary>The largest request body: a base64 payload of the largest message plus room for the rest.</summary>
    private static long BodyLimit(long maxMessageSize) =>
        Math.Min(Array.MaxLength, maxMessageSize + (maxMessageSize + 2) / 3 + MessagingLimits.PublishEnvelopeBytes);
}
