namespace Tidings.Mqtt.Sessions;

/// <summary>
/// What a persistent MQTT session needs besides its durable queue (which holds its subscriptions
/// and queued messages): its expiry, when it lost its connection, and its open QoS 2 flows, so
/// exactly-once holds across a reconnect and a broker restart [MQTT-4.3.3, 4.4].
/// </summary>
/// <param name="VirtualHost">The session's virtual host.</param>
/// <param name="ClientId">The client id.</param>
/// <param name="ExpirySeconds">Session Expiry Interval (uint.MaxValue: never).</param>
/// <param name="DetachedAtMs">Unix milliseconds when its connection ended; 0 while connected.</param>
/// <param name="Received">Inbound QoS 2 packet ids routed, PUBREL not yet seen: a resent PUBLISH is not routed again.</param>
/// <param name="Released">Outbound QoS 2 packet ids released (PUBREL sent), PUBCOMP not yet seen: PUBREL is sent again on resume.</param>
/// <param name="Shared">The session's <c>$share/…</c> subscriptions: its group memberships, taken up again on resume.</param>
internal sealed record MqttSessionState(string VirtualHost, string ClientId, uint ExpirySeconds, long DetachedAtMs,
    ushort[] Received, ushort[] Released, MqttSharedMembership[] Shared)
{
    /// <summary>The key of a session: virtual host and client id.</summary>
    public static string KeyOf(string virtualHost, string clientId) => virtualHost + "\0" + clientId;

    public string Key => KeyOf(VirtualHost, ClientId);
}

/// <summary>A persistent session's membership of a shared subscription group.</summary>
/// <param name="Filter">The whole filter, <c>$share/{group}/{filter}</c>.</param>
/// <param name="Qos">The granted QoS.</param>
/// <param name="Identifier">The 5.0 subscription identifier, 0 for none.</param>
internal sealed record MqttSharedMembership(string Filter, byte Qos, int Identifier);
