namespace Tidings.LogQueue;

/// <summary>One registered producer or consumer: its id, what it is, and the topic it registered for.</summary>
public sealed record RegisteredClient(long Id, ClientRole Role, string Topic)
{
    /// <summary>
    /// The stream position a consumer reads from. Prefixed so positions of AMQP consumers
    /// (named by their clients) cannot collide with the API's.
    /// </summary>
    public string PositionName { get; } = PositionNameOf(Id);

    public static string PositionNameOf(long consumerId) =>
        "logqueue-consumer-" + consumerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
