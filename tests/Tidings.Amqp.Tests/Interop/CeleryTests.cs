using System.Globalization;
using System.Text.Json;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// Celery (Debian's python3-celery over kombu and py-amqp) with Tidings as broker and rpc://
/// as result backend: a real worker process runs tests/interop/python/tasks.py and a client
/// script calls its tasks. kombu sees product "Tidings", so its basic.qos uses global=false.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class CeleryTests
{
    private const string WorkerName = "tidings-interop@localhost";

    [Fact]
    public async Task Worker_runs_single_tasks_and_a_group_and_answers_inspect_ping()
    {
        await ExternalProcess.RequirePythonModulesAsync("celery", "kombu", "amqp");
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var environment = new Dictionary<string, string>
        {
            ["TIDINGS_AMQP_PORT"] = server.AmqpPort.ToString(CultureInfo.InvariantCulture),
        };

        await using var worker = ExternalProcess.Start(ExternalProcess.DebianPython,
            ["-m", "celery", "-A", "tasks", "worker", "--pool=solo", "--concurrency=1", "--without-heartbeat",
             "--without-gossip", "--without-mingle", "-l", "info", "-n", WorkerName],
            ExternalProcess.PythonDirectory, environment);
        try
        {
            Assert.True(await worker.WaitForOutputAsync($"{WorkerName} ready.", TimeSpan.FromSeconds(45)),
                $"the celery worker did not become ready\n--- stdout ---\n{worker.StdOut}\n--- stderr ---\n{worker.StdErr}");
            var taskQueue = server.Broker.DefaultVirtualHost.FindQueue("celery");
            Assert.NotNull(taskQueue);
            // "ready." is logged once basic.consume is sent, not when the broker has registered it.
            Assert.True(await Eventually.HoldsAsync(() => taskQueue.ConsumerCount == 1), "the worker never consumed from 'celery'");
            // kombu sent basic.qos(prefetch_count=1, global=false) before basic.consume: Tidings
            // applies it to the worker's consumer, the per-consumer limit RabbitMQ gives it too.
            Assert.Equal(1, taskQueue.Consumers.Single().PrefetchCount);

            var client = await ExternalProcess.RunAsync(ExternalProcess.DebianPython,
                [Path.Combine(ExternalProcess.PythonDirectory, "celery_client.py")],
                ExternalProcess.PythonDirectory, environment, TimeSpan.FromSeconds(90));
            Assert.True(client.ExitCode == 0, client.Describe() + WorkerLog(worker));
            var result = JsonDocument.Parse(client.StdOut).RootElement;
            Assert.Equal(5, result.GetProperty("single").GetInt32());
            Assert.Equal([100, 101, 102, 103, 104], result.GetProperty("in_order").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(result.GetProperty("text").GetString(), result.GetProperty("echoed").GetString());
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i + i), result.GetProperty("group").EnumerateArray().Select(e => e.GetInt32()));

            // Remote control over the celery.pidbox fanout exchange, reply on reply.celery.pidbox.
            var ping = await ExternalProcess.RunAsync(ExternalProcess.DebianPython,
                ["-m", "celery", "-A", "tasks", "inspect", "ping", "--json", "-d", WorkerName, "--timeout", "20"],
                ExternalProcess.PythonDirectory, environment, TimeSpan.FromSeconds(60));
            Assert.True(ping.ExitCode == 0, ping.Describe() + WorkerLog(worker));
            var pong = JsonDocument.Parse(ping.StdOut).RootElement;
            Assert.Equal("pong", pong.GetProperty(WorkerName).GetProperty("ok").GetString());

            // 1 + 5 + 1 + 10 tasks, each received and succeeded exactly once: no loss, no redelivery.
            // The worker logs "succeeded" after it has sent the result, so the last line may lag a little.
            Assert.True(await Eventually.HoldsAsync(() => CountOccurrences(worker.StdErr, "] succeeded in ") == 17),
                "tasks succeeded" + WorkerLog(worker));
            Assert.True(CountOccurrences(worker.StdErr, "] received") == 17, "tasks received" + WorkerLog(worker));
            Assert.Equal(0, taskQueue.MessageCount);
        }
        finally
        {
            await worker.StopAsync();
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string WorkerLog(ExternalProcess worker) =>
        $"\n--- worker stdout ---\n{worker.StdOut}\n--- worker stderr ---\n{worker.StdErr}";
}
