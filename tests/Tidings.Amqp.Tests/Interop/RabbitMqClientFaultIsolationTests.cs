using System.Collections;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// A delivery the AMQP adapter fails to encode (issue 10's crash path: the exception used to
/// escape on a timer or queue thread and end the process, or leave a method frame without its
/// content on the consumer's stream). Now only that consumer's connection closes, with 541, the
/// message stays queued and other clients carry on.
/// </summary>
public sealed class RabbitMqClientFaultIsolationTests
{
    /// <summary>
    /// Headers that pass the broker's limits at publish and then fail when the adapter encodes
    /// them: a stand-in for any encoder bug, since every door now refuses what cannot be encoded.
    /// </summary>
    private sealed class HeadersThatFailLater : IReadOnlyDictionary<string, object?>
    {
        private readonly Dictionary<string, object?> _inner = new() { ["h"] = "v" };
        public volatile bool Fail;

        private IEnumerable<KeyValuePair<string, object?>> Entries =>
            Fail ? throw new InvalidOperationException("encoder bug stand-in") : _inner;

        public object? this[string key] => _inner[key];
        public IEnumerable<string> Keys => _inner.Keys;
        public IEnumerable<object?> Values => _inner.Values;
        public int Count => _inner.Count;
        public bool ContainsKey(string key) => _inner.ContainsKey(key);
        public bool TryGetValue(string key, out object? value) => _inner.TryGetValue(key, out value);
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Entries.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public async Task A_delivery_that_fails_to_encode_closes_only_its_connection_with_541_and_the_message_stays_queued()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await RabbitMq.ConnectAsync(server);
        await using var bystanderChannel = await bystander.CreateChannelAsync();
        string other = await RabbitMq.TempQueueAsync(bystanderChannel);

        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("fragile");
        var headers = new HeadersThatFailLater();
        vhost.Publish("", "fragile", new MessageProperties { Headers = new MessageHeaders([new MessageHeader("nested", headers)]) }, "kept"u8.ToArray());
        headers.Fail = true;

        await using var victim = await RabbitMq.ConnectAsync(server);
        var closed = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        victim.ConnectionShutdownAsync += (_, e) =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        await using var channel = await victim.CreateChannelAsync();
        var consumer = new AsyncEventingBasicConsumer(channel);
        int delivered = 0;
        consumer.ReceivedAsync += (_, _) =>
        {
            Interlocked.Increment(ref delivered);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("fragile", autoAck: false, consumer);

        var shutdown = await closed.Task.WaitAsync(RabbitMq.Timeout);
        Assert.Equal(541, shutdown.ReplyCode);
        Assert.StartsWith("INTERNAL_ERROR - delivery to consumer", shutdown.ReplyText);
        Assert.Equal(0, delivered);
        Assert.True(server.Broker.Faults.Count >= 1);
        await Eventually.TrueAsync(() => vhost.FindQueue("fragile")!.ConsumerCount == 0, "the failed consumer is gone");
        Assert.Equal(1, vhost.FindQueue("fragile")!.MessageCount);

        // Everyone else is served as before.
        Assert.True(bystander.IsOpen);
        await RabbitMq.PublishAsync(bystanderChannel, "", other, "still fine");
        var got = await bystanderChannel.BasicGetAsync(other, autoAck: true).WaitAsync(RabbitMq.Timeout);
        Assert.Equal("still fine", Encoding.UTF8.GetString(got!.Body.Span));

        // Once the fault is gone (here: the stand-in stops failing) the kept message is delivered intact.
        headers.Fail = false;
        var again = await bystanderChannel.BasicGetAsync("fragile", autoAck: true).WaitAsync(RabbitMq.Timeout);
        Assert.Equal("kept", Encoding.UTF8.GetString(again!.Body.Span));
        Assert.Equal("v", RabbitMq.Text(((IDictionary<string, object?>)again.BasicProperties.Headers!["nested"]!)["h"]));
    }
}
