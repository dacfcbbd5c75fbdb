using RabbitMQ.Client;
using Tidings.Examples.CareerAlerts;

// Usage: dotnet run --project examples/CareerAlerts -- [amqp-url]
// Against `tidings serve` (or RabbitMQ): sets up two users, publishes, prints what each receives.
var factory = new ConnectionFactory { Uri = new Uri(args.Length > 0 ? args[0] : "amqp://guest:guest@127.0.0.1:5672/") };
await using var connection = await factory.CreateConnectionAsync("career-alerts example");
await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
    publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
var alerts = new AlertsService(channel);
await alerts.SetUpAsync();
await alerts.AddUserAsync("ada");
await alerts.AddUserAsync("grace");
await alerts.SubscribeAsync("ada", "jobs.backend.#");
await alerts.SubscribeAsync("grace", "jobs.*.remote");
await alerts.PublishAsync("jobs.backend.dotnet", "Backend .NET engineer, Lyon");
await alerts.PublishAsync("jobs.frontend.remote", "Frontend engineer, remote");
await alerts.PublishUrgentAsync("Site maintenance tonight at 22:00");
foreach (var user in new[] { "ada", "grace" })
    foreach (var alert in await alerts.DrainAsync(user))
        Console.WriteLine($"{user}: {alert}");
