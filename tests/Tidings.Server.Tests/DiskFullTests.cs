using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Tidings.Core;
using Tidings.Server.Hosting;

namespace Tidings.Server.Tests;

/// <summary>
/// The data directory on a small tmpfs: publishers are blocked before the disk fills, nothing
/// confirmed is lost or corrupted, and publishing resumes by itself once consumers free space.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _mount;

    public DiskFullTests()
    {
        _mount = _directory.Combine("tmpfs");
        Directory.CreateDirectory(_mount);
    }

    public void Dispose()
    {
        Run("umount", "-l", _mount);
        _directory.Dispose();
    }

    private static int Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.WaitForExit(10_000);
        return process.ExitCode;
    }

    [UnixFact]
    public async Task Publishers_are_blocked_when_the_disk_is_nearly_full_and_resume_when_consumers_free_it()
    {
        // 8 MB of disk; the alarm trips below 3 MB free. Root is needed to mount; CI runs as root.
        Assert.True(Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", _mount) == 0,
            "could not mount a tmpfs (the test needs root, as CI has)");
        string config = _directory.Combine("tidings.json");
        File.WriteAllText(config, """{ "Tidings": { "DiskFreeLimitBytes": 3000000 } }""");
        await using var app = TidingsHost.Build(["--config", config, "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0",
            "--data-dir", Path.Combine(_mount, "data"), "--log-level", "warning"]);
        await app.StartAsync();
        var broker = app.Services.GetRequiredService<Broker>();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = app.GetListenerEndpoint("amqp").Port };

        var publisher = await factory.CreateConnectionAsync();
        var blocked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var unblocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.ConnectionBlockedAsync += (_, e) => { blocked.TrySetResult(e.Reason); return Task.CompletedTask; };
        publisher.ConnectionUnblockedAsync += (_, _) => { unblocked.TrySetResult(); return Task.CompletedTask; };
        var channel = await publisher.CreateChannelAsync(new CreateChannelOptions(true, true));
        await channel.QueueDeclareAsync("uploads", durable: true, exclusive: false, autoDelete: false);

        // Publish 64 KiB persistent messages, each confirmed (on disk), until the broker blocks us.
        var body = new byte[64 * 1024];
        int confirmed = 0;
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!blocked.Task.IsCompleted && confirmed < 200 && !stop.IsCancellationRequested)
            {
                body[0] = (byte)confirmed;
                var publish = channel.BasicPublishAsync("", "uploads", true, new BasicProperties { Persistent = true }, body, stop.Token).AsTask();
                if (await Task.WhenAny(publish, blocked.Task) != publish) break; // blocked while waiting
                await publish;
                confirmed++;
            }
        }
        Assert.Equal("low on disk", await blocked.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(confirmed, 40, 120); // ~5 MB usable before the 3 MB watermark
        Assert.Contains("disk", broker.Alarms.Active);

        // A consumer (never a publisher, so not blocked) drains the queue: every confirmed message, intact.
        await using (var consumerConnection = await factory.CreateConnectionAsync())
        await using (var consumer = await consumerConnection.CreateChannelAsync())
        {
            for (int i = 0; i < confirmed; i++)
            {
                var got = await consumer.BasicGetAsync("uploads", autoAck: false);
                Assert.NotNull(got);
                Assert.Equal(body.Length, got.Body.Length);
                Assert.Equal((byte)i, got.Body.Span[0]);
                await consumer.BasicAckAsync(got.DeliveryTag, multiple: false);
            }
        }

        // The drained segments are deleted, the alarm clears within a second or two, and the
        // same publisher carries on.
        await unblocked.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await channel.BasicPublishAsync("", "uploads", true, new BasicProperties { Persistent = true }, new byte[] { 7 })
            .AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("disk", broker.Alarms.Active);
        await publisher.CloseAsync();
        await app.StopAsync();
    }
}
