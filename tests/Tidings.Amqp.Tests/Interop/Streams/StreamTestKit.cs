using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>Helpers shared by the RabbitMQ.Client stream tests.</summary>
internal static class StreamTestKit
{
    /// <summary>Declares a stream with optional extra queue arguments (retention).</summary>
    public static Task DeclareAsync(IChannel channel, string name, params (string Key, object? Value)[] extra)
    {
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "stream" };
        foreach (var (key, value) in extra) arguments[key] = value;
        return channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments);
    }

    /// <summary>Publishes <paramref name="count"/> messages "{prefix}{i}" and waits for each confirm.</summary>
    public static async Task PublishAsync(IChannel confirmChannel, string stream, string prefix, int from, int count, int bodyPadding = 0)
    {
        for (int i = from; i < from + count; i++)
            await RabbitMq.PublishAsync(confirmChannel, "", stream, prefix + i + new string('.', bodyPadding));
    }

    /// <summary>Starts a consumer with prefetch <paramref name="prefetch"/> on a new channel, with the given x-stream-offset (none when null is not asked for).</summary>
    public static async Task<(IChannel Channel, CollectingConsumer Consumer)> ConsumeAsync(IConnection connection, string stream,
        string tag, ushort prefetch, bool ackEach, IDictionary<string, object?>? arguments)
    {
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, false);
        var consumer = new CollectingConsumer(channel, ackEach);
        await channel.BasicConsumeAsync(stream, autoAck: false, tag, noLocal: false, exclusive: false, arguments, consumer);
        return (channel, consumer);
    }

    public static Dictionary<string, object?> Offset(object? value) => new() { ["x-stream-offset"] = value };

    /// <summary>The x-stream-offset header of a delivery.</summary>
    public static long OffsetOf(ReceivedMessage message) =>
        Assert.IsType<long>(message.Properties.Headers!["x-stream-offset"]);

    public static IEnumerable<long> Range(long from, long toExclusive)
    {
        for (long i = from; i < toExclusive; i++) yield return i;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="within"/>.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
