using BenchmarkDotNet.Attributes;
using Tidings.Core.Messages;

namespace Tidings.MicroBench.Storage;

/// <summary>
/// The CPU part of a store append without any I/O: encoding a persistent 128-byte message into its
/// log record (the store's internal <c>MessageRecord.Encode</c>, record format v2: exchange, routing key,
/// neutral properties, body) in a buffer rented and returned as the store's writer does. One operation = one message.
/// </summary>
[MemoryDiagnoser]
public class RecordEncodingBenchmarks
{
    private readonly Message _message = new("amq.topic", "sensor.42.temp",
        new MessageProperties { Durable = true, ContentType = "application/json" }, new byte[128]);

    private readonly System.Buffers.ArrayPool<byte> _pool = System.Buffers.ArrayPool<byte>.Create();

    [Benchmark(Description = "MessageRecord.Encode (128 B persistent), per message")]
    public int Encode()
    {
        var buffer = Tidings.Storage.Records.MessageRecord.Encode(_message, _pool, out int length);
        _pool.Return(buffer);
        return length;
    }
}
