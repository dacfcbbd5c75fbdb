using System.Text;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Tidings.Server.Cli;

/// <summary><c>tidings consume</c>: prints messages from a queue of a running broker, one per line.</summary>
internal static class ConsumeCommand
{
    private static readonly Flag Queue = new("--queue", "name", "Queue to consume from (required).") { Validate = FlagValues.NotEmpty };
    private static readonly Flag Count = new("--count", "n", "Stop after this many messages; 0 runs until Ctrl+C.") { Default = "0", Validate = AmqpClientFlags.Count };
    private static readonly Flag Prefetch = new("--prefetch", "n", "Unacknowledged messages the broker may send ahead.") { Default = "100", Validate = AmqpClientFlags.Count };
    private static readonly Flag Declare = new("--declare", null, "Declare the queue (durable) first if it does not exist.");
    private static readonly Flag Timeout = new("--timeout", "seconds", "Give up when no message arrives for this long; 0 waits forever.") { Default = "0", Validate = FlagValues.Seconds };

    public static Verb Verb { get; } = new(
        "consume",
        "Print messages from a queue of a running broker, one body per line; each is acked after printing.",
        [AmqpClientFlags.Url, Queue, Declare, Count, Prefetch, Timeout],
        RunAsync)
    {
        Notes = ["Exit code 0 when --count messages arrived (or Ctrl+C), 1 on a broker error or --timeout."],
    };

    private static async Task<int> RunAsync(VerbInvocation invocation)
    {
        var args = invocation.Arguments;
        string queue = args[Queue.Name] ?? throw new UsageException("--queue is required");
        int count = AmqpClientFlags.ParseCount(args, Count, 0);
        int prefetch = AmqpClientFlags.ParseCount(args, Prefetch, 100);
        int timeoutSeconds = AmqpClientFlags.ParseCount(args, Timeout, 0);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        try
        {
            await using var connection = await AmqpClientFlags.Factory(args).CreateConnectionAsync().ConfigureAwait(false);
            await using var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
            if (args[Declare.Name] is not null)
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false).ConfigureAwait(false);
            await channel.BasicQosAsync(0, (ushort)Math.Clamp(prefetch, 0, ushort.MaxValue), global: false).ConfigureAwait(false);
            var deliveries = Channel.CreateUnbounded<BasicDeliverEventArgs>();
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                // The body buffer is only valid during the callback, so print here.
                await invocation.Output.WriteLineAsync(Encoding.UTF8.GetString(delivery.Body.Span)).ConfigureAwait(false);
                await invocation.Output.FlushAsync().ConfigureAwait(false);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
                await deliveries.Writer.WriteAsync(delivery).ConfigureAwait(false);
            };
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer).ConfigureAwait(false);
            int received = 0;
            while (count == 0 || received < count)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                if (timeoutSeconds > 0) wait.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
                try
                {
                    await deliveries.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                    received++;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return ExitCodes.Success;
                }
                catch (OperationCanceledException)
                {
                    await invocation.Error.WriteLineAsync($"tidings consume: no message for {timeoutSeconds} s ({received} received)").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            }
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is OperationInterruptedException or BrokerUnreachableException or AlreadyClosedException)
        {
            await invocation.Error.WriteLineAsync($"tidings consume: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
