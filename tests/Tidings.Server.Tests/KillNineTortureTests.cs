using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using RabbitMQ.Client;

namespace Tidings.Server.Tests;

/// <summary>
/// Publishes with confirms and consumes with acks while the broker is killed with SIGKILL at
/// random moments, then checks after every restart that no confirmed message was lost, none is
/// corrupt or duplicated, and none whose ack was known durable came back.
/// </summary>
public sealed partial class KillNineTortureTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [GeneratedRegex(@"amqp://127\.0\.0\.1:(\d+)")]
    private static partial Regex AmqpAddress();

    /// <summary>Cycles in CI; the soak script sets TIDINGS_TORTURE_CYCLES higher.</summary>
    private static int Cycles => int.TryParse(Environment.GetEnvironmentVariable("TIDINGS_TORTURE_CYCLES"), CultureInfo.InvariantCulture, out int n) ? n : 50;

    [UnixFact]
    public async Task Confirmed_messages_survive_kill_9_exactly_once_and_durably_acked_ones_never_return()
    {
        string data = _directory.Combine("data");
        var random = new Random(20261122);
        long nextId = 1;
        // Confirmed by the broker and not yet known consumed: must be present after a restart.
        var mustBePresent = new HashSet<long>();
        // Published or acked while the kill could land: may or may not be present.
        var mayBePresent = new HashSet<long>();

        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            using var server = ServerProcess.Start(_directory.Path, "serve", "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0", "--data-dir", data);
            var line = await server.WaitForMessageAsync("(AMQP listener)", TimeSpan.FromSeconds(30));
            int port = int.Parse(AmqpAddress().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
            var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = port, AutomaticRecoveryEnabled = false };

            // 1. After the restart: drain and check what is there.
            await using (var connection = await factory.CreateConnectionAsync())
            {
                await using var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
                await channel.QueueDeclareAsync("torture", durable: true, exclusive: false, autoDelete: false);
                var seen = new HashSet<long>();
                while (await channel.BasicGetAsync("torture", autoAck: false) is { } got)
                {
                    long id = Verify(got.Body.Span);
                    Assert.True(seen.Add(id), $"cycle {cycle}: message {id} delivered twice");
                    Assert.True(mustBePresent.Contains(id) || mayBePresent.Contains(id), $"cycle {cycle}: message {id} came back although its ack was durable");
                    await channel.BasicAckAsync(got.DeliveryTag, multiple: false);
                }
                var missing = mustBePresent.Except(seen).ToList();
                Assert.True(missing.Count == 0, $"cycle {cycle}: {missing.Count} confirmed messages lost, e.g. {string.Join(", ", missing.Take(5))}");
                // A confirmed publish after the acks proves they reached the disk (the store writes in order).
                await channel.BasicPublishAsync("", "torture", true, new BasicProperties { Persistent = true }, Body(0));
                await channel.BasicGetAsync("torture", autoAck: true);
                mustBePresent.Clear();
                mayBePresent.Clear();
            }

            // 2. Publish and consume until the kill lands.
            using var kill = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(100, 700)));
            // The kill lands from the timer, at a random point of the loop below.
            using var killer = kill.Token.Register(server.KillHard);
            try
            {
                await using var connection = await factory.CreateConnectionAsync(kill.Token);
                await using var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), kill.Token);
                while (!kill.IsCancellationRequested)
                {
                    long id = nextId++;
                    mayBePresent.Add(id);
                    await channel.BasicPublishAsync("", "torture", true, new BasicProperties { Persistent = true }, Body(id), kill.Token);
                    mayBePresent.Remove(id);
                    mustBePresent.Add(id);
                    if (id % 3 == 0 && await channel.BasicGetAsync("torture", autoAck: false, kill.Token) is { } got)
                    {
                        long gotId = Verify(got.Body.Span);
                        mustBePresent.Remove(gotId);
                        mayBePresent.Add(gotId);
                        await channel.BasicAckAsync(got.DeliveryTag, multiple: false, kill.Token);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException
                                          or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException
                                          or RabbitMQ.Client.Exceptions.PublishException)
            {
                // The broker died under the client, as intended.
            }
            server.KillHard();
        }
    }

    /// <summary>A body: the id, filler, and a SHA-256 over both, so corruption is detected.</summary>
    private static byte[] Body(long id)
    {
        var body = new byte[8 + 200 + 32];
        BinaryPrimitives.WriteInt64BigEndian(body, id);
        for (int i = 8; i < 208; i++) body[i] = (byte)(id * 31 + i);
        SHA256.HashData(body.AsSpan(0, 208), body.AsSpan(208));
        return body;
    }

    private static long Verify(ReadOnlySpan<byte> body)
    {
        Assert.Equal(240, body.Length);
        Assert.True(SHA256.HashData(body[..208]).AsSpan().SequenceEqual(body[208..]), "message body corrupted");
        return BinaryPrimitives.ReadInt64BigEndian(body);
    }
}
