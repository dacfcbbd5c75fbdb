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
        Durable = true,
        MessageId = "4f1c2a9e-7d3b-4e8a-9c61-0b5d2f7e8a13",
        TimestampMs = 1_700_000_000_000L,
    };

    /// <summary>The received bytes: <see cref="Messages"/> publishes, as one contiguous buffer.</summary>
    private ReadOnlySequence<byte> _input;
    /// <summary>Where bodies are copied (stands in for the channel's body array).</summary>
    private readonly byte[] _body = new byte[128];

    /// <summary>No properties (an empty flag word) or the typical set above.</summary>
    [Params(false, true)]
    public bool WithProperties { get; set; }

    /// <summary>
    /// True: names and properties decoded through the caches the channel uses (a per-connection
    /// short-string cache, a per-channel last-properties cache). The 1,000 messages here carry the
    /// same properties, so every header after the first hits the cache, as for a publisher whose
    /// properties do not change per message; per-message ids or timestamps would miss it.
    /// </summary>
    [Params(false, true)]
    public bool Cached { get; set; }

    private readonly ShortStringCache _names = new();
    private readonly PropertiesCache _properties = new();

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
                    string routingKey;
                    if (Cached)
                    {
                        var reader = new SequenceReader<byte>(frame.MethodArguments);
                        AmqpWireReader.ReadUInt16(ref reader);
                        AmqpWireReader.ReadShortString(ref reader, _names);
                        routingKey = AmqpWireReader.ReadShortString(ref reader, _names);
                    }
                    else
                    {
                        routingKey = BasicPublish.Read(frame.MethodArguments).RoutingKey;
                    }
                    check += (ulong)routingKey.Length;
                    break;
                case FrameType.Header:
                    var header = ContentHeaderCodec.Read(frame.Payload, Cached ? _properties : null);
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
