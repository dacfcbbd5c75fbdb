using Microsoft.AspNetCore.Builder;
using RabbitMQ.Client;
using Tidings.Examples.LoggingQueue;
using Tidings.Server.Hosting;

namespace Tidings.Examples.Tests;

/// <summary>
/// The logging-queue job over AMQP streams against `tidings serve`: lines from several producers
/// kept in order, a late reader reads everything, a named reader resumes after a broker restart.
/// </summary>
public sealed class LoggingQueueTests : IDisposable
{
    private readonly TempDirectory _data = new("tidings-logging-example");

    public void Dispose() => _data.Dispose();

    private WebApplication Broker() =>
        TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", _data.Path, "--log-level", "warning"]);

    private static Task<IConnection> ConnectAsync(WebApplication app) =>
        new ConnectionFactory { HostName = "127.0.0.1", Port = app.GetListenerEndpoint("amqp").Port }.CreateConnectionAsync();

    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Late_readers_read_everything_and_a_named_reader_resumes_where_it_stopped_after_a_restart()
    {
        string[] services = ["web", "billing", "search"];
        List<LogLine> firstHalf;
        await using (var app = Broker())
        {
            await app.StartAsync();
            await using var connection = await ConnectAsync(app);
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
            await LogTopic.DeclareAsync(channel, "app-logs");
            // The services interleave, as concurrent producers do.
            for (int i = 1; i <= 100; i++)
                foreach (string service in services) await new LogProducer(channel, "app-logs", service).SendAsync($"{service} {i}");
            firstHalf = await new LogReader(connection, "app-logs", "alerts").ReadAsync(150, Idle);
            await app.StopAsync();
        }
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (long)i), firstHalf.Select(l => l.Offset));

        await using (var app = Broker())
        {
            await app.StartAsync();
            await using var connection = await ConnectAsync(app);
            var rest = await new LogReader(connection, "app-logs", "alerts").ReadAsync(int.MaxValue, Idle);
            var audit = await new LogReader(connection, "app-logs", "audit").ReadAsync(int.MaxValue, Idle);

            Assert.Equal(Enumerable.Range(150, 150).Select(i => (long)i), rest.Select(l => l.Offset));
            Assert.Equal(300, audit.Count);
            foreach (string service in services)
            {
                // Each producer's lines, in its order, exactly once.
                Assert.Equal(Enumerable.Range(1, 100).Select(i => $"{service} {i}"),
                    audit.Where(l => l.Producer == service).Select(l => l.Text));
                Assert.Equal(audit.Where(l => l.Producer == service).Select(l => l.Text),
                    firstHalf.Concat(rest).Where(l => l.Producer == service).Select(l => l.Text));
            }
            await app.StopAsync();
        }
    }
}
