using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Tidings.Core.Messages;

namespace Tidings.Http.Tests.Messaging;

/// <summary>Helpers shared by the messaging tests.</summary>
internal static class Rest
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static string Basic(string user = "guest", string password = "guest") =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    public static Task<HttpResponseMessage> PublishAsync(HttpClient client, string exchange, object body, string vhost = "%2F") =>
        client.PostAsJsonAsync($"/api/rest/vhosts/{vhost}/exchanges/{exchange}/publish", body);

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Asserts the status and RabbitMQ's {"error","reason"} body; returns the reason.</summary>
    public static async Task<string> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(text).RootElement;
        Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetString()));
        string reason = json.GetProperty("reason").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(reason));
        return reason;
    }

    /// <summary>Publishes in-process messages "m0".."m{n-1}" to queue <paramref name="queue"/> of vhost "/".</summary>
    public static void PublishNumbered(TestBrokerServer server, string queue, int count, int start = 0)
    {
        for (int i = start; i < start + count; i++)
            server.Broker.DefaultVirtualHost.Publish("", queue, MessageProperties.Empty, Encoding.UTF8.GetBytes($"m{i}"));
    }

    public static string Payload(JsonElement message) => message.GetProperty("payload").GetString()!;

    public static ulong Tag(JsonElement message) => message.GetProperty("delivery_tag").GetUInt64();

    public static bool Redelivered(JsonElement message) => message.GetProperty("redelivered").GetBoolean();

    // ---- WebSocket ----

    public static async Task<ClientWebSocket> ConnectAsync(TestBrokerServer server, string path, CancellationToken ct,
        string? authorization = null, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", authorization ?? Basic());
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(WebSocketUri(server, path), ct);
        return socket;
    }

    public static Uri WebSocketUri(TestBrokerServer server, string path) => new($"ws://127.0.0.1:{server.BaseAddress.Port}{path}");

    /// <summary>The next text frame as JSON, or null when the server closed the socket (the close is answered).</summary>
    public static async Task<JsonElement?> ReceiveAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(length), ct);
            length += result.Count;
        }
        while (!result.EndOfMessage);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            // A polite client answers the server's close, completing the handshake.
            if (socket.State == WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            return null;
        }
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
    }

    public static async Task<JsonElement> ReceiveMessageAsync(WebSocket socket, CancellationToken ct) =>
        await ReceiveAsync(socket, ct) ?? throw new InvalidOperationException(
            $"the server closed the socket: {socket.CloseStatus} {socket.CloseStatusDescription}");

    public static Task SendAsync(WebSocket socket, string json, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, ct);
}
