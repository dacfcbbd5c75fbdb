namespace Tidings.Core;

/// <summary>The message counters RabbitMQ's management API reports as message_stats.</summary>
public enum MessageStat
{
    /// <summary>Messages published (into a vhost, a queue, or by a session).</summary>
    Publish,
    /// <summary>Messages published to an exchange.</summary>
    PublishIn,
    /// <summary>Copies an exchange routed on to queues.</summary>
    PublishOut,
    /// <summary>Publisher confirms sent.</summary>
    Confirm,
    /// <summary>Deliveries to consumers that ack.</summary>
    Deliver,
    /// <summary>Deliveries to no-ack consumers.</summary>
    DeliverNoAck,
    /// <summary>basic.get with ack.</summary>
    Get,
    /// <summary>basic.get without ack.</summary>
    GetNoAck,
    /// <summary>Deliveries of requeued messages.</summary>
    Redeliver,
    /// <summary>Acknowledged deliveries.</summary>
    Ack,
    /// <summary>Mandatory messages returned as unroutable.</summary>
    ReturnUnroutable,
    /// <summary>Non-mandatory messages dropped as unroutable.</summary>
    DropUnroutable,
}

/// <summary>
/// Monotonic message counters of one object (queue, exchange, session, virtual host). Updated
/// with one interlocked add on the message path; rates are derived by whoever samples them.
/// </summary>
public sealed class MessageStats
{
    private static readonly string[] Names =
    [
        "publish", "publish_in", "publish_out", "confirm", "deliver", "deliver_no_ack", "get", "get_no_ack",
        "redeliver", "ack", "return_unroutable", "drop_unroutable",
    ];

    /// <summary>One slot per <see cref="MessageStat"/>.</summary>
    private readonly long[] _counts = new long[Names.Length];

    /// <summary>Every counter kind.</summary>
    public static IReadOnlyList<MessageStat> All { get; } = Enum.GetValues<MessageStat>();

    /// <summary>The counter's name in RabbitMQ's management API, e.g. "deliver_no_ack".</summary>
    public static string NameOf(MessageStat stat) => Names[(int)stat];

    /// <summary>The current count.</summary>
    public long this[MessageStat stat] => Volatile.Read(ref _counts[(int)stat]);

    /// <summary>deliver + deliver_no_ack + get + get_no_ack, as RabbitMQ's deliver_get.</summary>
    public long DeliverGet => this[MessageStat.Deliver] + this[MessageStat.DeliverNoAck] + this[MessageStat.Get] + this[MessageStat.GetNoAck];

    internal void Add(MessageStat stat, long count = 1) => Interlocked.Add(ref _counts[(int)stat], count);
}
