using System.Collections.Concurrent;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>What a RabbitMQ.Client consumer received, copied out of the client's buffers.</summary>
internal sealed record ReceivedMessage(
    string ConsumerTag, ulong DeliveryTag, bool Redelivered, string Exchange, string RoutingKey,
    BasicProperties Properties, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A consumer that records every delivery and lets a test wait, with a bound, for a number of them.
/// Optionally acks each delivery after recording it.
/// </summary>
internal sealed class CollectingConsumer : AsyncEventingBasicConsumer
{
    /// <summary>Deliveries in arrival order; appended by the client's dispatcher thread.</summary>
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    /// <summary>Signalled after each delivery so waiters re-check the count.</summary>
    private readonly SemaphoreSlim _arrived = new(0);
    /// <summary>Completed when the broker cancels this consumer (basic.cancel from the server).</summary>
    private readonly TaskCompletionSource<string> _cancelledByBroker = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CollectingConsumer(IChannel channel, bool ackEach = false) : base(channel)
    {
        ReceivedAsync += async (_, ea) =>
        {
            _messages.Enqueue(new ReceivedMessage(ea.ConsumerTag, ea.DeliveryTag, ea.Redelivered, ea.Exchange, ea.RoutingKey,
                new BasicProperties(ea.BasicProperties), ea.Body.ToArray()));
            if (ackEach) await channel.BasicAckAsync(ea.DeliveryTag, multiple: false);
            _arrived.Release();
        };
    }

    public IReadOnlyList<ReceivedMessage> Messages => [.. _messages];

    public int Count => _messages.Count;

    /// <summary>The tag of a broker-initiated cancel (basic.cancel sent by the server).</summary>
    public Task<string> CancelledByBroker => _cancelledByBroker.Task;

    public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        await base.HandleBasicCancelAsync(consumerTag, cancellationToken);
        _cancelledByBroker.TrySetResult(consumerTag);
    }

    /// <summary>Waits until at least <paramref name="count"/> deliveries arrived; fails the test after the bound.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForAsync(int count, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? RabbitMq.Timeout);
        while (_messages.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"expected {count} deliveries, got {_messages.Count}");
            }
        }
        return Messages;
    }

    /// <summary>Gives in-flight deliveries a moment, then asserts none beyond <paramref name="count"/> came.</summary>
    public async Task AssertNoMoreThanAsync(int count, TimeSpan? settle = null)
    {
        await Task.Delay(settle ?? TimeSpan.FromMilliseconds(300));
        Assert.Equal(count, _messages.Count);
    }
}

/// <summary>Completes with the shutdown reason when a channel is closed (subscribe before provoking the close).</summary>
internal sealed class ChannelCloseWatcher
{
    private readonly TaskCompletionSource<ShutdownEventArgs> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChannelCloseWatcher(IChannel channel)
    {
        channel.ChannelShutdownAsync += (_, args) =>
        {
            _closed.TrySetResult(args);
            return Task.CompletedTask;
        };
    }

    public Task<ShutdownEventArgs> Closed => _closed.Task.WaitAsync(RabbitMq.Timeout);
}

/// <summary>Connection and assertion helpers for the RabbitMQ.Client interop tests.</summary>
internal static class RabbitMq
{
    /// <summary>The bound on every wait in these tests.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static ConnectionFactory Factory(TestBrokerServer server, string user = "guest", string password = "guest",
        string virtualHost = "/") => new()
        {
            HostName = "127.0.0.1",
            Port = server.AmqpPort,
            UserName = user,
            Password = password,
            VirtualHost = virtualHost,
            // A broken connection must stay broken: the tests look at why it closed.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = Timeout,
            ContinuationTimeout = Timeout,
        };

    public static Task<IConnection> ConnectAsync(TestBrokerServer server, Action<ConnectionFactory>? configure = null)
    {
        var factory = Factory(server);
        configure?.Invoke(factory);
        return factory.CreateConnectionAsync().WaitAsync(Timeout);
    }

    public static Task<IChannel> ConfirmChannelAsync(IConnection connection, bool tracking = true) =>
        connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: tracking)).WaitAsync(Timeout);

    /// <summary>Declares a fresh non-durable queue with a server-chosen name.</summary>
    public static async Task<string> TempQueueAsync(IChannel channel, IDictionary<string, object?>? arguments = null)
    {
        var ok = await channel.QueueDeclareAsync("", durable: false, exclusive: false, autoDelete: false, arguments);
        return ok.QueueName;
    }

    public static ValueTask PublishAsync(IChannel channel, string exchange, string routingKey, string body,
        BasicProperties? properties = null, bool mandatory = false) =>
        channel.BasicPublishAsync(exchange, routingKey, mandatory, properties ?? new BasicProperties(), Encoding.UTF8.GetBytes(body));

    /// <summary>Runs an operation the broker must refuse with a channel or connection error; returns the reason.</summary>
    public static async Task<ShutdownEventArgs> AssertRefusedAsync(Func<Task> operation, ushort replyCode, string? replyText = null)
    {
        var e = await Assert.ThrowsAsync<OperationInterruptedException>(() => operation().WaitAsync(Timeout));
        Assert.NotNull(e.ShutdownReason);
        Assert.Equal(replyCode, e.ShutdownReason.ReplyCode);
        if (replyText is not null) Assert.Equal(replyText, e.ShutdownReason.ReplyText);
        return e.ShutdownReason;
    }

    /// <summary>Reads a header value that the client hands back as bytes (AMQP long strings) as text.</summary>
    public static string? Text(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string s => s,
        _ => value.ToString(),
    };
}
