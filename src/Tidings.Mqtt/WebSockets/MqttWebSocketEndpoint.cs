using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tidings.Connections.Transports;

namespace Tidings.Mqtt.WebSockets;

/// <summary>
/// MQTT over WebSocket on the HTTP port (<c>/mqtt</c> by default, <see cref="MqttOptions.WebSocketPath"/>),
/// for browsers and mqtt.js <c>ws://</c> clients. The WebSocket's binary messages carry the same
/// byte stream as TCP, served by the same connection code, so everything (sessions, retained
/// messages, back-pressure) behaves as on 1883.
/// </summary>
public static class MqttWebSocketEndpoint
{
    /// <summary>The subprotocols MQTT clients offer: "mqtt" (3.1.1 and 5.0), "mqttv3.1" (3.1).</summary>
    private static readonly string[] SubProtocols = ["mqtt", "mqttv3.1"];

    /// <summary>Maps the MQTT WebSocket endpoint at <paramref name="path"/>; the app must use WebSockets (Tidings' HTTP does).</summary>
    public static IEndpointConventionBuilder MapMqttWebSockets(this IEndpointRouteBuilder endpoints, string path = "/mqtt")
    {
        // One handler for every WebSocket connection: the listener's settings, log and the shared heartbeat.
        var handler = ActivatorUtilities.GetServiceOrCreateInstance<MqttConnectionHandler>(endpoints.ServiceProvider);
        return endpoints.Map(path, context => HandleAsync(context, handler));
    }

    private static async Task HandleAsync(HttpContext context, MqttConnectionHandler handler)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "MQTT over WebSocket: send a WebSocket upgrade request with subprotocol 'mqtt'");
            return;
        }
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        string? subProtocol = SubProtocols.FirstOrDefault(p => offered.Contains(p, StringComparer.OrdinalIgnoreCase));
        // A client that offers subprotocols but not MQTT's speaks something else; one that offers none is let in.
        if (subProtocol is null && offered.Count > 0)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, $"MQTT over WebSocket needs subprotocol 'mqtt'; offered: {string.Join(", ", offered)}");
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol).ConfigureAwait(false);
        var transport = new WebSocketTransport(socket);
        var pumping = transport.RunAsync(context.RequestAborted);
        var remote = context.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, context.Connection.RemotePort) : null;
        var local = context.Connection.LocalIpAddress is { } localIp ? new IPEndPoint(localIp, context.Connection.LocalPort) : null;
        await handler.RunAsync(transport, remote, local).ConfigureAwait(false);
        await pumping.ConfigureAwait(false);
    }

    private static Task Refuse(HttpContext context, int status, string reason) =>
        Results.Json(new { error = "bad_request", reason }, statusCode: status).ExecuteAsync(context);
}
