using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Tests.Connection;

/// <summary>
/// Deliveries run under the delivering queue's lock and the session's lock. When one crosses the
/// connection's output limit its consumers pause; resuming dispatches every queue the
/// connection consumes from. Resumed inline there (as before the toolkit), two publishers
/// delivering from two queues to two channels of one connection each held their own queue and
/// session and waited for the other's: a deadlock that froze both queues and both publishers.
/// </summary>
public sealed class OutputPressureLockOrderTests
{
    private const int Queues = 8;
    private const int MessagesPerQueue = 5000;

    [Fact]
    public async Task Queues_delivering_to_one_connection_across_its_output_limit_never_deadlock()
    {
        // Every delivery crosses the limit, so every one pauses and asks to resume.
        const int limit = 8 * 1024;
        var body = new byte[limit + 1024];
        await using var server = await TestBrokerServer.StartAmqpAsync(o => o.MaxPendingOutputBytes = limit);
        var vhost = server.Broker.DefaultVirtualHost;
        var factory = new ConnectionFactory { Port = server.AmqpPort };
        await using var connection = await factory.CreateConnectionAsync();
        int received = 0;
        var channels = new List<IChannel>();
        for (int q = 0; q < Queues; q++)
        {
            vhost.DeclareQueue($"pressure-{q}");
            var channel = await connection.CreateChannelAsync();
            channels.Add(channel);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, _) =>
            {
                Interlocked.Increment(ref received);
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync($"pressure-{q}", autoAck: true, consumer);
        }

        // One publishing thread per queue: each delivers under its queue's lock, as a
        // publisher's reader loop does. Dedicated threads, so a deadlock cannot starve the pool
        // that the test's own timeout runs on.
        var publishers = Enumerable.Range(0, Queues).Select(q =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    for (int i = 0; i < MessagesPerQueue; i++) vhost.Publish("", $"pressure-{q}", MessageProperties.Empty, body);
                    done.SetResult();
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            })
            { IsBackground = true, Name = $"publisher {q}" };
            thread.Start();
            return done.Task;
        }).ToList();

        // Progress, not a fixed wait: the run takes a few seconds, and a deadlock stops it dead.
        const int total = Queues * MessagesPerQueue;
        int last = -1;
        var lastProgress = DateTime.UtcNow;
        while (Volatile.Read(ref received) < total)
        {
            await Task.Delay(200);
            int now = Volatile.Read(ref received);
            if (now != last)
            {
                last = now;
                lastProgress = DateTime.UtcNow;
            }
            bool stalled = DateTime.UtcNow - lastProgress > TimeSpan.FromSeconds(20);
            Assert.False(stalled, stalled ? Describe(server, now, total, publishers) : "");
        }
        await Task.WhenAll(publishers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(total, Volatile.Read(ref received));
        Assert.All(Enumerable.Range(0, Queues), q => Assert.Equal(0, vhost.FindQueue($"pressure-{q}")!.MessageCount));
        foreach (var channel in channels) await channel.CloseAsync();
    }

    /// <summary>What a stall looks like: who finished, what is queued, which sessions are paused.</summary>
    private static string Describe(TestBrokerServer server, int received, int total, List<Task> publishers)
    {
        var vhost = server.Broker.DefaultVirtualHost;
        var queued = Enumerable.Range(0, Queues).Select(q => vhost.FindQueue($"pressure-{q}")?.MessageCount ?? -1);
        var flows = server.Broker.Connections.SelectMany(c => c.Sessions).Select(s => s.IsFlowActive ? "on" : "off");
        return $"deliveries stopped at {received} of {total} (a lock-order deadlock stops them for good); " +
               $"publishers finished: {publishers.Count(p => p.IsCompleted)} of {Queues}; queued: [{string.Join(", ", queued)}]; " +
               $"session flow: [{string.Join(", ", flows)}]";
    }
}
