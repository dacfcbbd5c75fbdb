using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Tidings.Server.Hosting;

/// <summary>
/// One Kestrel endpoint of the server. Declaring it gives the server a listener bound at
/// Tidings:&lt;ConfigSection&gt;:Host/Port/Enabled/Tls, the flags --&lt;Name&gt;-host/--&lt;Name&gt;-port,
/// their help lines, an entry in the ListenerRegistry (which /api/overview lists), and a
/// "Listening on &lt;Scheme&gt;://address" log line once bound. With Tls on, the host puts TLS in
/// front of <paramref name="Configure"/>'s handler; the protocol sees decrypted bytes.
/// </summary>
/// <param name="Name">Lower-case name used in flags and by <see cref="TidingsHost.GetListenerEndpoint"/>: "http", "amqp", "amqps".</param>
/// <param name="DisplayName">Shown in help and logs: "HTTP API".</param>
/// <param name="Protocol">The protocol served, without TLS: "http", "amqp"; also the URI scheme of the logged address.</param>
/// <param name="ConfigSection">Sub-section of "Tidings" holding Host and Port; must match what <paramref name="Endpoint"/> reads.</param>
/// <param name="Endpoint">Picks this listener's endpoint out of the bound options.</param>
/// <param name="Configure">Sets the endpoint up, e.g. <c>l =&gt; l.UseConnectionHandler&lt;AmqpConnectionHandler&gt;()</c>; a no-op serves the HTTP pipeline.</param>
internal sealed record ListenerDefinition(
    string Name,
    string DisplayName,
    string Protocol,
    string ConfigSection,
    Func<TidingsServerOptions, EndpointOptions> Endpoint,
    Action<ListenOptions> Configure)
{
    /// <summary>
    /// The protocol's own settings class bound from the same section (e.g. AmqpOptions with FrameMax),
    /// registered as IOptions&lt;T&gt;, accepted as known keys and listed in help; null when there is none.
    /// </summary>
    public ListenerSettings? Settings { get; init; }

    /// <summary>The URI scheme of the logged address when it is not <see cref="Protocol"/> (the SQS API is "http").</summary>
    public string? UriScheme { get; init; }

    public string ConfigKey => $"{TidingsServerOptions.SectionName}:{ConfigSection}";

    /// <summary>URI scheme of the logged address: the protocol's, with "s" for TLS ("amqps", "https").</summary>
    public string Scheme(bool tls) => tls ? (UriScheme ?? Protocol) + "s" : UriScheme ?? Protocol;
}
