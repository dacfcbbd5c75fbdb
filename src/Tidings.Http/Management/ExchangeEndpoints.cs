using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Exchanges;
using Tidings.Core.Messages;
using Tidings.Http.Common;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>/api/exchanges: list, show, declare, delete, publish, bindings. "amq.default" names the default exchange.</summary>
internal static class ExchangeEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.GetList("exchanges", Access.Management, "Exchanges in every visible virtual host", r =>
            ListReply.Reply(r, r.VisibleVhosts(fromPath: false).SelectMany(v => v.Exchanges), Formats.ExchangeListing(r.Sampler)));
        router.GetList("exchanges/{vhost}", Access.Management, "Exchanges of one virtual host", r =>
            ListReply.Reply(r, r.Vhost().Exchanges, Formats.ExchangeListing(r.Sampler)));
        router.Get("exchanges/{vhost}/{name}", Access.Management, "One exchange", r =>
            ListReply.One(r, Formats.Exchange(Find(r, "name"), r.Sampler)));
        router.Put("exchanges/{vhost}/{name}", Access.Management,
            "Declares an exchange (201) or checks an existing one (204); body: type (mandatory), durable, auto_delete, internal, arguments", Put);
        router.Delete("exchanges/{vhost}/{name}", Access.Management, "Deletes an exchange; query if-unused=true", Delete);
        router.Post("exchanges/{vhost}/{name}/publish", Access.Management,
            "Publishes a message: properties, routing_key, payload, payload_encoding (string|base64); replies {routed}", Publish);
        router.GetList("exchanges/{vhost}/{name}/bindings/source", Access.Management, "Bindings from the exchange", r =>
        {
            var exchange = Find(r, "name");
            return ListReply.Reply(r, Formats.Bindings(exchange.VirtualHost).Where(b => b.Source == exchange.Name), Formats.BindingListing);
        });
        router.GetList("exchanges/{vhost}/{name}/bindings/destination", Access.Management, "Bindings to the exchange", r =>
        {
            var exchange = Find(r, "name");
            return ListReply.Reply(r, Formats.Bindings(exchange.VirtualHost)
                .Where(b => b.DestinationType == "exchange" && b.Destination == exchange.Name), Formats.BindingListing);
        });
    }

    /// <summary>An exchange name from the path: "amq.default" is the default exchange "".</summary>
    public static string ExchangeName(ApiRequest request, string variable) =>
        request[variable] is "amq.default" ? "" : request[variable];

    public static Exchange Find(ApiRequest request, string variable) =>
        request.Vhost().FindExchange(ExchangeName(request, variable)) ?? throw new ApiError(HttpErrors.NotFound());

    private static IResult Put(ApiRequest request)
    {
        var vhost = request.Vhost();
        string name = ExchangeName(request, "name");
        string type = Json.AsString(request.Require("type"), "type");
        bool existed = vhost.FindExchange(name) is not null;
        var arguments = request.Table("arguments");
        using var connection = request.Connect(vhost);
        try
        {
            vhost.DeclareExchange(name, type, request.Bool("durable", false), request.Bool("auto_delete", false),
                request.Bool("internal", false), arguments.Count == 0 ? null : arguments, caller: connection);
        }
        catch (BrokerException e) when (e.Error == BrokerError.NotFound)
        {
            // An unknown type is a bad request here, not a missing resource.
            return HttpErrors.BadRequest(e.Message);
        }
        return existed ? Results.NoContent() : Results.StatusCode(StatusCodes.Status201Created);
    }

    private static IResult Delete(ApiRequest request)
    {
        var exchange = Find(request, "name");
        using var connection = request.Connect(exchange.VirtualHost);
        exchange.VirtualHost.DeleteExchange(exchange.Name, ifUnused: request.QueryFlag("if-unused"), caller: connection);
        return Results.NoContent();
    }

    private static IResult Publish(ApiRequest request)
    {
        var exchange = Find(request, "name");
        var properties = MessageJson.ParseProperties(request.Require("properties"));
        string routingKey = Json.AsString(request.Require("routing_key"), "routing_key");
        string payload = Json.AsString(request.Require("payload"), "payload");
        string encoding = Json.AsString(request.Require("payload_encoding"), "payload_encoding");
        var body = MessageJson.ParsePayload(payload, encoding);
        if (body.Length > request.Broker.Options.MaxMessageSize)
            return HttpErrors.BadRequest($"message size {body.Length} is larger than configured max size {request.Broker.Options.MaxMessageSize}");
        if (request.User.PermissionsFor(exchange.VirtualHost.Name) is null)
            return HttpErrors.Forbidden("User not authorised to access virtual host");
        var result = exchange.VirtualHost.Publish(new Message(exchange.Name, routingKey, properties, body), request.User, mandatory: true);
        return Json.Ok(new Fields { ["routed"] = !result.Unroutable });
    }
}
