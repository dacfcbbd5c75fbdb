using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tidings.Http.Messaging;

/// <summary>
/// Ack and nack for SSE streams (POST /api/rest/streams/{id}/ack|nack) and get leases
/// (POST /api/rest/leases/{id}/ack|nack): {"delivery_tag":n,"multiple":bool,"requeue":bool}
/// → {"unacked":n}. A lease also takes an empty body, meaning all of its messages.
/// </summary>
internal static class SettleEndpoints
{
    private readonly record struct SettleRequest(ulong? DeliveryTag, bool Multiple, bool Requeue);

    public static async Task StreamAsync(HttpContext context, MessagingRegistry registry, bool ack)
    {
        var user = RestCaller.Authenticate(context, registry.Broker);
        string id = RouteNames.Get(context, "id");
        var request = await ReadAsync(context, ack).ConfigureAwait(false);
        var stream = registry.FindStream(id, user) ?? throw RestException.NotFound($"no stream '{id}': it has ended, or belongs to another user");
        if (request.DeliveryTag is not { } tag) throw RestException.BadRequest("delivery_tag is required");
        int unacked = ack ? stream.Ack(tag, request.Multiple) : stream.Nack(tag, request.Multiple, request.Requeue);
        await WriteUnackedAsync(context, unacked).ConfigureAwait(false);
    }

    public static async Task LeaseAsync(HttpContext context, MessagingRegistry registry, bool ack)
    {
        var user = RestCaller.Authenticate(context, registry.Broker);
        string id = RouteNames.Get(context, "id");
        var request = await ReadAsync(context, ack).ConfigureAwait(false);
        var lease = registry.FindLease(id, user) ?? throw RestException.NotFound($"no lease '{id}': it has ended or expired, or belongs to another user");
        int unacked = ack ? lease.Ack(request.DeliveryTag, request.Multiple) : lease.Nack(request.DeliveryTag, request.Multiple, request.Requeue);
        await WriteUnackedAsync(context, unacked).ConfigureAwait(false);
    }

    private static async Task<SettleRequest> ReadAsync(HttpContext context, bool ack)
    {
        using var document = await RestBody.ReadControlAsync(context).ConfigureAwait(false);
        ulong? tag = null;
        bool multiple = false, requeue = true;
        foreach (var field in RestBody.Fields(RestBody.RootObject(document)))
        {
            switch (field.Name)
            {
                case "delivery_tag": tag = RestBody.DeliveryTag(field); break;
                case "multiple": multiple = RestBody.Bool(field); break;
                case "requeue" when !ack: requeue = RestBody.Bool(field); break;
                default:
                    throw RestException.BadRequest($"unknown field '{field.Name}'; known: delivery_tag, multiple{(ack ? "" : ", requeue")}");
            }
        }
        return new SettleRequest(tag, multiple, requeue);
    }

    private static async Task WriteUnackedAsync(HttpContext context, int unacked)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteNumber("unacked"u8, unacked);
        json.WriteEndObject();
    }
}
