namespace Tidings.Core.Messages;

/// <summary>
/// A published message: where it was published, its properties and its body. Immutable and
/// shared: fan-out to many queues shares one instance and one body buffer.
/// </summary>
public sealed class Message
{
    /// <summary>Creates a message as published to <paramref name="exchange"/> with <paramref name="routingKey"/>.</summary>
    public Message(string exchange, string routingKey, MessageProperties properties, ReadOnlyMemory<byte> body)
    {
        Exchange = exchange;
        RoutingKey = routingKey;
        Properties = properties;
        Body = body;
    }

    /// <summary>The exchange the message was (last) published to; "" is the default exchange.</summary>
    public string Exchange { get; }

    /// <summary>The routing key it was (last) published with.</summary>
    public string RoutingKey { get; }

    /// <summary>The basic properties, including headers.</summary>
    public MessageProperties Properties { get; }

    /// <summary>The payload. Never copied by the broker.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Body size in bytes, as counted by x-max-length-bytes.</summary>
    public long Size => Body.Length;

    /// <summary>A copy routed anew (dead-lettering): same body, new exchange, key and properties.</summary>
    internal Message Reroute(string exchange, string routingKey, MessageProperties properties) =>
        new(exchange, routingKey, properties, Body);

    /// <summary>
    /// The routing keys the message is published with: its routing key plus the sender-selected
    /// "CC" and "BCC" headers, as RabbitMQ does.
    /// </summary>
    internal IEnumerable<string> AllRoutingKeys()
    {
        yield return RoutingKey;
        foreach (var key in HeaderStrings("CC")) yield return key;
        foreach (var key in HeaderStrings("BCC")) yield return key;
    }

    /// <summary>True when the message names extra routing keys in CC or BCC headers.</summary>
    internal bool HasSenderSelectedKeys =>
        Properties.Headers is { } h && (h.ContainsKey("CC") || h.ContainsKey("BCC"));

    internal IEnumerable<string> HeaderStrings(string header)
    {
        if (Properties.Headers?.GetValueOrDefault(header) is not System.Collections.IEnumerable list || list is string)
            yield break;
        foreach (var item in list)
            if (FieldValue.AsString(item) is { } s) yield return s;
    }
}
