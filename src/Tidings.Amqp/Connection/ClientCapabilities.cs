namespace Tidings.Amqp.Connection;

/// <summary>
/// The RabbitMQ extensions a client says it understands, from the "capabilities" table of its
/// start-ok properties. Kept as flags so the connection need not keep the table.
/// </summary>
[Flags]
internal enum ClientCapabilities
{
    None = 0,
    /// <summary>"consumer_cancel_notify": told with basic.cancel when its queue goes away.</summary>
    ConsumerCancelNotify = 1,
    /// <summary>"connection.blocked": told when a resource alarm blocks publishing.</summary>
    ConnectionBlocked = 2,
    /// <summary>"authentication_failure_close": told with connection.close 403 when login fails.</summary>
    AuthenticationFailureClose = 4,
}

internal static class ClientCapabilitiesTable
{
    /// <summary>The capabilities set to true in a client's properties.</summary>
    public static ClientCapabilities Parse(IReadOnlyDictionary<string, object?>? clientProperties)
    {
        if (clientProperties?.GetValueOrDefault("capabilities") is not IReadOnlyDictionary<string, object?> table) return ClientCapabilities.None;
        var capabilities = ClientCapabilities.None;
        if (table.GetValueOrDefault("consumer_cancel_notify") is true) capabilities |= ClientCapabilities.ConsumerCancelNotify;
        if (table.GetValueOrDefault("connection.blocked") is true) capabilities |= ClientCapabilities.ConnectionBlocked;
        if (table.GetValueOrDefault("authentication_failure_close") is true) capabilities |= ClientCapabilities.AuthenticationFailureClose;
        return capabilities;
    }
}
