using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Tidings.Server.Cli;

/// <summary><c>tidings publish</c>: sends a message to a running broker and waits for its confirm.</summary>
internal static class PublishCommand
{
    private static readonly Flag Exchange = new("--exchange", "name", "Exchange to publish to; \"\" is the default exchange.") { Default = "\"\"" };
    private static readonly Flag RoutingKey = new("--routing-key", "key", "Routing key (with the default exchange: the queue name).") { Default = "\"\"" };
    private static readonly Flag Persistent = new("--persistent", null, "Mark the message persistent (delivery mode 2).");
    private static readonly Flag Mandatory = new("--mandatory", null, "Fail when no queue receives the message.");
    private static readonly Flag ContentType = new("--content-type", "type", "The content-type property.");
    private static readonly Flag Count = new("--count", "n", "Send the body this many times.") { Default = "1", Validate = AmqpClientFlags.Count };

    public static Verb Verb { get; } = new(
        "publish",
        "Publish a message to a running broker (body from the argument or stdin).",
        [AmqpClientFlags.Url, Exchange, RoutingKey, Persistent, Mandatory, ContentType, Count],
        RunAsync)
    {
        PositionalUsage = "[body]",
        MaxPositionals = 1,
        Notes = ["Without a body argument the body is read from stdin. Exit code 0 means every message was confirmed by the broker."],
    };

    private static async Task<int> RunAsync(VerbInvocation invocation)
    {
        var args = invocation.Arguments;
        byte[] body = args.Positionals.Count > 0
            ? Encoding.UTF8.GetBytes(args.Positionals[0])
            : await ReadStdinAsync().ConfigureAwait(false);
        int count = AmqpClientFlags.ParseCount(args, Count, 1);
        bool mandatory = args[Mandatory.Name] is not null;
        var properties = new BasicProperties
        {
            Persistent = args[Persistent.Name] is not null,
            ContentType = args[ContentType.Name],
        };
        try
        {
            await using var connection = await AmqpClientFlags.Factory(args).CreateConnectionAsync().ConfigureAwait(false);
            var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
            await using var channel = await connection.CreateChannelAsync(options).ConfigureAwait(false);
            for (int i = 0; i < count; i++)
            {
                await channel.BasicPublishAsync(args[Exchange.Name] ?? "", args[RoutingKey.Name] ?? "", mandatory, properties, body)
                    .ConfigureAwait(false);
            }
        }
        catch (PublishException e)
        {
            string why = e.IsReturn
                ? "a message was unroutable (312 NO_ROUTE): no queue matched the exchange and routing key"
                : "the broker refused a message (basic.nack), e.g. a full queue with x-overflow reject-publish";
            await invocation.Error.WriteLineAsync($"tidings publish: {why}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is OperationInterruptedException or BrokerUnreachableException or AlreadyClosedException)
        {
            await invocation.Error.WriteLineAsync($"tidings publish: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        await invocation.Output.WriteLineAsync($"published {count} message(s)").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<byte[]> ReadStdinAsync()
    {
        using var buffer = new MemoryStream();
        await Console.OpenStandardInput().CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
