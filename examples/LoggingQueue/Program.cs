using RabbitMQ.Client;
using Tidings.Examples.LoggingQueue;

// Usage: dotnet run --project examples/LoggingQueue -- [amqp-url] [topic]
// Against `tidings serve`: three services append lines to a topic; reader "alerts" reads half,
// then a late reader "audit" reads everything from the start, then "alerts" comes back for the rest.
var factory = new ConnectionFactory { Uri = new Uri(args.Length > 0 ? args[0] : "amqp://guest:guest@127.0.0.1:5672/") };
string topic = args.Length > 1 ? args[1] : "app-logs";
await using var connection = await factory.CreateConnectionAsync("logging-queue example");
await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
    publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
await LogTopic.DeclareAsync(channel, topic);
foreach (string service in new[] { "web", "billing", "search" })
{
    var producer = new LogProducer(channel, topic, service);
    for (int i = 1; i <= 100; i++) await producer.SendAsync($"{service} line {i}");
}
var idle = TimeSpan.FromSeconds(1);
var alerts = await new LogReader(connection, topic, "alerts").ReadAsync(150, idle);
Console.WriteLine($"alerts read {alerts.Count} lines, up to offset {alerts[^1].Offset}");
var audit = await new LogReader(connection, topic, "audit").ReadAsync(int.MaxValue, idle);
Console.WriteLine($"audit (registered later) read {audit.Count} lines from offset {audit[0].Offset}");
var rest = await new LogReader(connection, topic, "alerts").ReadAsync(int.MaxValue, idle);
Console.WriteLine($"alerts came back and read {rest.Count} more, from offset {rest[0].Offset}");
