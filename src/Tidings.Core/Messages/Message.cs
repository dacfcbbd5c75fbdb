namespace Tidings.Core.Messages;

/// <summary>
/// A published message: where it was published, its properties and its body. Shared: fan-out
/// to many queues shares one instance and one body buffer.
/// </summary>
/// <remarks>
/// Messages a protocol adapter rents from <see cref="MessagePool"/> are reused once the last
/// reference is released: the publisher's, one per queue entry, and nothing else. Code that
/// keeps a message beyond the call that handed it over (a sink that writes later, a basic.get,
/// a dead-letter, the store) calls <see cref="Pin"/> first, which hands it to the GC for good.
/// Messages made with the constructor are never reused.
/// </remarks>
public sealed class Message
{
    /// <summary>References held (publisher, queue entries, pins). Meaningful only when <see cref="_pool"/> is set.</summary>
    private int _refs;
    /// <summary>Where the message returns at zero references; null for messages the GC owns.</summary>
    private MessagePool? _pool;

    /// <summary>Creates a message as published to <paramref name="exchange"/> with <paramref name="routingKey"/>.</summary>
    public Message(string exchange, string routingKey, MessageProperties properties, ReadOnlyMemory<byte> body)
    {
        Exchange = exchange;
        RoutingKey = routingKey;
        Properties = properties;
        Body = body;
    }

    /// <summary>
    /// A message read back from a durable store, with the absolute expiry it was stored with, so its
    /// time to live keeps counting from its publish rather than starting again at every restart.
    /// </summary>
    public static Message Restored(string exchange, string routingKey, MessageProperties properties, ReadOnlyMemory<byte> body,
        long expiresAtMs) => new(exchange, routingKey, properties, body) { ExpiresAtMs = expiresAtMs };

    /// <summary>
    /// When the message dies, Unix time in ms; long.MaxValue when never. Set when it is published,
    /// from <see cref="MessageProperties.TimeToLiveMs"/>; queues also apply their own x-message-ttl.
    /// </summary>
    public long ExpiresAtMs { get; internal set; } = long.MaxValue;

    /// <summary>The exchange the message was (last) published to; "" is the default exchange.</summary>
    public string Exchange { get; private set; }

    /// <summary>The routing key it was (last) published with.</summary>
    public string RoutingKey { get; private set; }

    /// <summary>The basic properties, including headers.</summary>
    public MessageProperties Properties { get; private set; }

    /// <summary>The payload. Never copied by the broker.</summary>
    public ReadOnlyMemory<byte> Body { get; private set; }

    /// <summary>Body size in bytes, as counted by x-max-length-bytes.</summary>
    public long Size => Body.Length;

    /// <summary>The pooled buffer behind <see cref="Body"/>, for the adapter that fills it; null when not pooled.</summary>
    internal byte[]? Buffer { get; private set; }

    /// <summary>Sets up a pooled message with one reference, the renter's.</summary>
    internal void Reset(MessagePool pool, string exchange, string routingKey, MessageProperties properties, byte[] buffer, int length)
    {
        _pool = pool;
        _refs = 1;
        Exchange = exchange;
        RoutingKey = routingKey;
        Properties = properties;
        Buffer = buffer;
        Body = buffer.AsMemory(0, length);
        ExpiresAtMs = long.MaxValue;
    }

    /// <summary>Called by the pool once the message came back; drops what it points to.</summary>
    /// <remarks>The buffer stays: the next renter of this size class reuses it.</remarks>
    internal void Clear()
    {
        Exchange = "";
        RoutingKey = "";
        Properties = MessageProperties.Empty;
        Body = default;
    }

    /// <summary>Adds a reference (a queue entry). Caller must already hold one.</summary>
    internal void Retain()
    {
        if (_pool is not null) Interlocked.Increment(ref _refs);
    }

    /// <summary>Drops a reference; the last one returns the message and its buffer to the pool.</summary>
    internal void Release()
    {
        if (_pool is { } pool && Interlocked.Decrement(ref _refs) == 0) pool.Return(this);
    }

    /// <summary>
    /// Keeps the message (and its body) valid for good: it will never go back to the pool.
    /// Call while holding a reference, e.g. inside <see cref="Sessions.IConsumerSink.Deliver"/>.
    /// </summary>
    public void Pin() => Retain(); // a reference that is never released: the count cannot reach zero any more

    /// <summary>A copy with other properties sharing this body (which stays valid for good, see <see cref="Pin"/>).</summary>
    public Message WithProperties(MessageProperties properties) => Reroute(Exchange, RoutingKey, properties);

    /// <summary>A copy routed anew (dead-lettering): same body, new exchange, key and properties.</summary>
    internal Message Reroute(string exchange, string routingKey, MessageProperties properties)
    {
        // The copy shares the body but not the reference count.
        Pin();
        return new(exchange, routingKey, properties, Body);
    }

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
