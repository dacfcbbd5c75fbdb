using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tidings.Core;
using Tidings.Http.Common;

namespace Tidings.Http.Messaging;

/// <summary>
/// Routes of the Messaging area: REST messaging for web apps under /api/rest (docs/http/messaging.md).
/// Each request authenticates (Basic) and works through a core session on its own "HTTP" connection.
/// </summary>
internal static class MessagingEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var broker = endpoints.ServiceProvider.GetRequiredService<Broker>();
        var lifetime = endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        var registry = new MessagingRegistry(broker, lifetime.ApplicationStopping);
        lifetime.ApplicationStopping.Register(registry.Dispose);

        var api = endpoints.MapGroup("/api/rest");
        api.MapPost("/vhosts/{vhost}/exchanges/{exchange}/publish", Handle(c => PublishEndpoint.HandleAsync(c, registry)));
        api.MapGet("/vhosts/{vhost}/queues/{queue}/events", Handle(c => EventStreamEndpoint.HandleAsync(c, registry)));
        // Any method: WebSockets over HTTP/2 arrive as CONNECT, not GET.
        api.Map("/vhosts/{vhost}/queues/{queue}/ws", Handle(c => WebSocketEndpoint.HandleAsync(c, registry)));
        api.MapPost("/vhosts/{vhost}/queues/{queue}/get", Handle(c => GetEndpoint.HandleAsync(c, registry)));
        api.MapPost("/streams/{id}/ack", Handle(c => SettleEndpoints.StreamAsync(c, registry, ack: true)));
        api.MapPost("/streams/{id}/nack", Handle(c => SettleEndpoints.StreamAsync(c, registry, ack: false)));
        api.MapPost("/leases/{id}/ack", Handle(c => SettleEndpoints.LeaseAsync(c, registry, ack: true)));
        api.MapPost("/leases/{id}/nack", Handle(c => SettleEndpoints.LeaseAsync(c, registry, ack: false)));
    }

    /// <summary>Turns refusals into RabbitMQ-style JSON errors while the response has not started.</summary>
    private static RequestDelegate Handle(Func<HttpContext, Task> handler) => async context =>
    {
        try
        {
            RequireUtf8Path(context);
            await handler(context).ConfigureAwait(false);
        }
        catch (RestException e) when (!context.Response.HasStarted)
        {
            await e.Result.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (BrokerException e) when (!context.Response.HasStarted)
        {
            await HttpErrors.FromBroker(e).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its session is closed and unacked messages requeued.
        }
    };

    /// <summary>
    /// 400 when a segment of the raw path does not percent-decode to UTF-8: Kestrel then hands the
    /// route the undecoded text, which would name another queue ("%C3(") instead of failing.
    /// </summary>
    private static void RequireUtf8Path(HttpContext context)
    {
        string? raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is null) return;
        int query = raw.IndexOfAny(['?', '#']);
        foreach (string segment in (query >= 0 ? raw[..query] : raw).Split('/'))
            if (!Utf8Input.TryUnescapePathSegment(segment, out _))
                throw RestException.BadRequest("a name in the path is not valid UTF-8 once percent-decoded");
    }
}
