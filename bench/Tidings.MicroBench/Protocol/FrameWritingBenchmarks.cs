using System.Buffers;
using BenchmarkDotNet.Attributes;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;

namespace Tidings.MicroBench.Protocol;

/// <summary>
/// Writing deliveries as <c>AmqpChannel</c>'s consumer sink does: <see cref="FrameWriter.WriteContentMethod"/>
/// of basic.deliver + content header + body (128 B) into an <see cref="ArrayBufferWriter{T}"/>, the
/// buffer type <c>OutboundBuffer</c> appends to; it is reset each batch, as the writer loop resets
/// its buffer after a send. One operation = one message.
/// </summary>
[MemoryDiagnoser]
public class FrameWritingBenchmarks
{
    private const int Messages = 1000;
    private const uint FrameMax = 131072;

    private static readonly MessageProperties TypicalProperties = new()
    {
        ContentType = "application/json",
        Durable = true,
        MessageId = "4f1c2a9e-7d3b-4e8a-9c61-0b5d2f7e8a13",
        TimestampMs = 1_700_000_000_000L,
    };

    private readonly byte[] _body = new byte[128];
    /// <summary>Large enough for a whole batch, so no resize is measured.</summary>
    private readonly ArrayBufferWriter<byte> _output = new(Messages * 512);
    private MessageProperties _properties = MessageProperties.Empty;

    [Params(false, true)]
    public bool WithProperties { get; set; }

    [GlobalSetup]
    public void Setup() => _properties = WithProperties ? TypicalProperties : MessageProperties.Empty;

    [Benchmark(OperationsPerInvoke = Messages, Description = "write deliver+header+body (128 B), per message")]
    public int WriteDeliver()
    {
        _output.ResetWrittenCount();
        for (int i = 0; i < Messages; i++)
        {
            FrameWriter.WriteContentMethod(_output, 1, new BasicDeliver
            {
                ConsumerTag = "amq.ctag-Xv2Qm7Yp1kR9bT4nW6zL3A",
                DeliveryTag = (ulong)i + 1,
                Exchange = "amq.topic",
                RoutingKey = "sensor.42.temp",
            }, _properties, _body, FrameMax);
        }

        return _output.WrittenCount;
    }
}
