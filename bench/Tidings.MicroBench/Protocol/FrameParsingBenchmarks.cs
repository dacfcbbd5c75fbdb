using System.Buffers;
using BenchmarkDotNet.Attributes;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;
using Tidings.MicroBench.Amqp;

namespace Tidings.MicroBench.Protocol;

/// <summary>
/// Parsing published messages as the connection's reader loop does: <see cref="FrameReader.TryReadFrame"/>
/// over the received bytes, then per frame what <c>AmqpChannel</c> does with it —
/// <see cref="BasicPublish.Read(ReadOnlySequence{byte})"/> for the method, <see cref="ContentHeaderCodec.Read"/>
/// for the header, a copy of the body payload. One operation = one message (three frames, 128-byte body).
/// The body is copied into a reused buffer here; the real channel copies it into a fresh array per
/// message (the core's <see cref="Message"/> owns its body), which this benchmark leaves out.
/// </summary>
[MemoryDiagnoser]
public class FrameParsingBenchmarks
{
    private const int Messages = 1000;
    private const uint FrameMax = 131072;

    /// <summary>Typical client properties: what a JSON-publishing client sends.</summary>
    private static readonly MessageProperties TypicalProperties = new()
    {
        ContentType = "application/json",
        DeliveryMode = 2,
        MessageId = "4f1c2a9e-7d3b-4e8a-9c61-0b5d2f7e8a13",
        Timestamp = new AmqpTimestamp(1_700_000_000),
    };

    /// <summary>The received bytes: <see cref="Messages"/> publishes, as one contiguous buffer.</summary>
    private ReadOnlySequence<byte> _input;
    /// <summary>Where bodies are copied (stands in for the channel's body array).</summary>
    private readonly byte[] _body = new byte[128];

    /// <summary>No properties (an empty flag word) or the typical set above.</summary>
    [Params(false, true)]
    public bool WithProperties { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var bytes = ClientFrames.EncodePublishes(Messages, 1, "amq.topic", "sensor.42.temp",
            WithProperties ? TypicalProperties : MessageProperties.Empty, new byte[128], FrameMax);
        _input = new ReadOnlySequence<byte>(bytes);
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "parse publish+header+body (128 B), per message")]
    public ulong ParsePublish()
    {
        var buffer = _input;
        ulong check = 0;
        while (FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame))
        {
            switch (frame.Type)
            {
                case FrameType.Method when frame.MethodId == AmqpMethodId.BasicPublish:
                    var publish = BasicPublish.Read(frame.MethodArguments);
                    check += (ulong)publish.RoutingKey.Length;
                    break;
                case FrameType.Header:
                    var header = ContentHeaderCodec.Read(frame.Payload);
                    check += header.BodySize;
                    break;
                case FrameType.Body:
                    frame.Payload.CopyTo(_body);
                    check += _body[0];
                    break;
            }
        }

        return check;
    }
}
