using System.Net;

namespace Tidings.Connections.Listeners;

/// <summary>One listener of the node as it is bound now.</summary>
/// <param name="Protocol">The protocol it serves: "amqp", "http", later "mqtt".</param>
/// <param name="Tls">Whether connections are TLS.</param>
/// <param name="EndPoint">The bound address (the real port once the server started).</param>
public sealed record ListenerInfo(string Protocol, bool Tls, IPEndPoint EndPoint)
{
    /// <summary>
    /// The name RabbitMQ's management API gives it in /api/overview "listeners": "amqp",
    /// "amqp/ssl", "http", "https", "mqtt", "mqtt/ssl".
    /// </summary>
    public string ManagementName => !Tls ? Protocol : Protocol == "http" ? "https" : Protocol + "/ssl";
}
