using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>
/// /api/bindings: list, create (POST, 201 with Location), show and delete by properties_key,
/// for exchange-to-queue (/e/{source}/q/{destination}) and exchange-to-exchange (/e/…/e/…) bindings.
/// </summary>
internal static class BindingEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.GetList("bindings", Access.Management, "Bindings in every visible virtual host", r =>
            ListReply.Reply(r, r.VisibleVhosts(fromPath: false).SelectMany(Formats.Bindings), Formats.BindingListing));
        router.GetList("bindings/{vhost}", Access.Management, "Bindings of one virtual host", r =>
            ListReply.Reply(r, Formats.Bindings(r.Vhost()), Formats.BindingListing));
        foreach (var (kind, type) in new[] { ("q", "queue"), ("e", "exchange") })
        {
            string between = $"bindings/{{vhost}}/e/{{source}}/{kind}/{{destination}}";
            router.GetList(between, Access.Management, $"Bindings from an exchange to a {type}", r => List(r, type));
            router.Post(between, Access.Management, $"Binds a {type} to an exchange: routing_key, arguments; 201 with Location", r => Create(r, type));
            router.Get(between + "/{props}", Access.Management, $"One exchange-to-{type} binding by properties_key", r =>
                Json.Ok(Formats.Binding(FindOne(r, type))));
            router.Delete(between + "/{props}", Access.Management, $"Deletes an exchange-to-{type} binding by properties_key", r => Delete(r, type));
        }
    }

    /// <summary>The vhost, source exchange and destination; 404 when one of them is missing.</summary>
    private static (VirtualHost Vhost, string Source, string Destination) Ends(ApiRequest request, string type)
    {
        var vhost = request.Vhost();
        string source = ExchangeEndpoints.ExchangeName(request, "source");
        string destination = type == "exchange" ? ExchangeEndpoints.ExchangeName(request, "destination") : request["destination"];
        if (vhost.FindExchange(source) is null) throw new ApiError(HttpErrors.NotFound());
        bool destinationExists = type == "queue" ? vhost.FindQueue(destination) is not null : vhost.FindExchange(destination) is not null;
        if (!destinationExists) throw new ApiError(HttpErrors.NotFound());
        return (vhost, source, destination);
    }

    private static IEnumerable<Formats.BindingView> Between(VirtualHost vhost, string source, string destination, string type) =>
        Formats.Bindings(vhost).Where(b => b.Source == source && b.Destination == destination && b.DestinationType == type);

    private static IResult List(ApiRequest request, string type)
    {
        var (vhost, source, destination) = Ends(request, type);
        return ListReply.Reply(request, Between(vhost, source, destination, type), Formats.BindingListing);
    }

    private static IResult Create(ApiRequest request, string type)
    {
        var (vhost, source, destination) = Ends(request, type);
        string routingKey = request.String("routing_key") ?? "";
        var arguments = request.Table("arguments");
        var args = arguments.Count == 0 ? null : arguments;
        using (var connection = request.Connect(vhost))
        {
            if (type == "queue") vhost.BindQueue(destination, source, routingKey, args, connection);
            else vhost.BindExchange(destination, source, routingKey, args, connection);
        }
        string props = Formats.PropertiesKey(routingKey, args ?? new Dictionary<string, object?>());
        string location = $"/api/bindings/{Uri.EscapeDataString(vhost.Name)}/e/{Uri.EscapeDataString(source.Length == 0 ? "amq.default" : source)}/" +
                   $"{(type == "queue" ? "q" : "e")}/{Uri.EscapeDataString(destination)}/{props}";
        // The properties_key is URL-safe already; it goes in as RabbitMQ puts it.
        request.Http.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    /// <summary>
    /// The binding whose properties_key is the {props} segment. Clients send the key either
    /// escaped once more for the URL or as listed, so both spellings are accepted.
    /// </summary>
    private static Formats.BindingView FindOne(ApiRequest request, string type)
    {
        var (vhost, source, destination) = Ends(request, type);
        string props = request["props"];
        return Between(vhost, source, destination, type).FirstOrDefault(b =>
                   b.PropertiesKey == props || SafeUnescape(b.PropertiesKey) == props)
               ?? throw new ApiError(HttpErrors.NotFound());
    }

    private static string SafeUnescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    private static IResult Delete(ApiRequest request, string type)
    {
        var binding = FindOne(request, type);
        var vhost = request.Vhost();
        using var connection = request.Connect(vhost);
        if (type == "queue") vhost.UnbindQueue(binding.Destination, binding.Source, binding.RoutingKey, binding.Arguments, connection);
        else vhost.UnbindExchange(binding.Destination, binding.Source, binding.RoutingKey, binding.Arguments, connection);
        return Results.NoContent();
    }
}
