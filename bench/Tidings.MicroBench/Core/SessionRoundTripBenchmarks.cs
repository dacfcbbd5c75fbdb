using BenchmarkDotNet.Attributes;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.MicroBench.Core;

/// <summary>
/// The core's publish → deliver → ack path without any protocol: <see cref="Session.Publish"/> of a
/// 128-byte message to the default exchange, delivered synchronously to a consumer (prefetch 1000)
/// whose sink only remembers the tag, then <see cref="Session.Ack"/> — per message
/// (<see cref="AckEvery"/> = 1) or multiple=true every 100 messages. One operation = one message.
/// </summary>
[MemoryDiagnoser]
public class SessionRoundTripBenchmarks
{
    private const int Batch = 1000;

    /// <summary>In-memory broker: no store, no alarm timers.</summary>
    private Broker _broker = null!;
    private Session _session = null!;
    private readonly LastTagSink _sink = new();
    private readonly ReadOnlyMemory<byte> _body = new byte[128];

    /// <summary>1: basic.ack per delivery; 100: one basic.ack multiple=true per 100 deliveries.</summary>
    [Params(1, 100)]
    public int AckEvery { get; set; }

    /// <summary>
    /// True: the message is rented from the broker's pool and filled, as the AMQP channel does
    /// (allocation-free); false: the public overload that wraps the caller's body in a new message.
    /// </summary>
    [Params(false, true)]
    public bool Pooled { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 });
        _broker.DefaultVirtualHost.DeclareQueue("bench");
        _session = _broker.OpenConnection(_broker.FindUser("guest")!, "/", "bench").OpenSession(1);
        _session.SetPrefetch(1000, global: false);
        _session.Consume("bench", "c1", noAck: false, exclusive: false, arguments: null, _sink);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // A delivery that did not arrive synchronously would have left unacked messages behind.
        if (_session.UnackedCount != 0)
            throw new InvalidOperationException($"{_session.UnackedCount} deliveries left unacked: the benchmark did not measure what it claims");
        _broker.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "Session.Publish → sink → Ack (128 B), per message")]
    public ulong PublishDeliverAck()
    {
        var session = _session;
        int ackEvery = AckEvery;
        for (int i = 1; i <= Batch; i++)
        {
            if (Pooled) PublishPooled(session);
            else session.Publish("", "bench", MessageProperties.Empty, _body);
            if (i % ackEvery == 0) session.Ack(_sink.LastTag, multiple: ackEvery > 1);
        }

        return _sink.LastTag;
    }

    private void PublishPooled(Session session)
    {
        var message = _broker.Messages.Rent("", "bench", MessageProperties.Empty, _body.Length);
        _body.Span.CopyTo(MessagePool.BodyBuffer(message).Span);
        session.Publish(message);
        MessagePool.ReleasePublisherReference(message);
    }
}
