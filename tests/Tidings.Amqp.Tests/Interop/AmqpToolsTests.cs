using System.Globalization;
using System.Text;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// Debian's amqp-tools (the rabbitmq-c command-line clients) against Tidings: every message goes
/// through a separate short-lived connection, so this also covers clean open/close cycles.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class AmqpToolsTests
{
    [Fact]
    public async Task Declared_queue_takes_published_messages_and_gives_them_back_intact_in_order()
    {
        await RequireToolsAsync();
        await using var server = await TestBrokerServer.StartAmqpAsync();
        string url = $"amqp://guest:guest@127.0.0.1:{server.AmqpPort.ToString(CultureInfo.InvariantCulture)}";
        const string queueName = "tools.work";

        var declare = await RunAsync("amqp-declare-queue", ["--url", url, "-q", queueName, "-d"]);
        Assert.Equal(queueName, declare.StdOut.Trim());
        var queue = server.Broker.DefaultVirtualHost.FindQueue(queueName);
        Assert.NotNull(queue);
        Assert.True(queue.Durable);

        // Five with -b, one process (and connection) each, then twenty as lines of one -l publisher.
        var expected = Enumerable.Range(0, 25).Select(i => $"tools-{i} ünïcödé {new string('x', i * 37)}").ToList();
        for (int i = 0; i < 5; i++)
            await RunAsync("amqp-publish", ["-u", url, "-r", queueName, "-p", "-C", "text/plain", "-H", $"index: {i}", "-b", expected[i]]);
        await RunAsync("amqp-publish", ["-u", url, "-r", queueName, "-l"],
            stdin: Encoding.UTF8.GetBytes(string.Concat(expected.Skip(5).Select(line => line + "\n"))));
        // One binary body through stdin: every byte value, newlines and NULs included.
        byte[] binary = [.. Enumerable.Range(0, 256).Select(b => (byte)b), .. Enumerable.Range(0, 256).Select(b => (byte)(255 - b))];
        await RunAsync("amqp-publish", ["-u", url, "-r", queueName], stdin: binary);
        Assert.Equal(26, queue.MessageCount);

        // amqp-consume runs the command once per message with the body on its stdin; a record
        // separator after each body keeps the boundaries exact.
        var consume = await RunAsync("amqp-consume", ["-u", url, "-q", queueName, "-c", "25", "-p", "1", "--", "sh", "-c", "cat; printf '\\036'"]);
        // amqp-publish -l keeps each line's newline in the body it publishes.
        var expectedBodies = expected.Select((text, i) => i < 5 ? text : text + "\n");
        Assert.Equal(expectedBodies, consume.StdOut.Split('\u001e')[..^1]);
        Assert.Equal(1, queue.MessageCount);

        var get = await RunAsync("amqp-get", ["-u", url, "-q", queueName]);
        Assert.Equal(binary, get.StdOutBytes);

        // Nothing left: amqp-get reports an empty queue by failing.
        var empty = await ExternalProcess.RunAsync("amqp-get", ["-u", url, "-q", queueName]);
        Assert.True(empty.ExitCode != 0, empty.Describe());
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
    }

    private static Task RequireToolsAsync() =>
        ExternalProcess.RequireAsync("amqp-tools", "sh", ["-c", "command -v amqp-declare-queue && command -v amqp-publish && command -v amqp-consume && command -v amqp-get"]);

    private static async Task<ProcessResult> RunAsync(string tool, string[] arguments, byte[]? stdin = null)
    {
        var result = await ExternalProcess.RunAsync(tool, arguments, stdin: stdin, timeout: TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }
}
