using System.Buffers.Binary;
using Tidings.Amqp.Protocol;

namespace Tidings.Fuzz.Amqp;

/// <summary>
/// Mutations that know the frame layout (type, channel, size, payload, 0xCE): remove,
/// duplicate, swap and splice frames; change a size, channel, type or frame end; garble a
/// payload and fix its size so the bytes reach the method parsers; swap one method id for
/// another. Byte-level mutations of the whole stream come on top now and then.
/// </summary>
internal sealed class AmqpMutator(IReadOnlyList<AmqpSession> corpus)
{
    /// <summary>The valid sessions every input starts from.</summary>
    private readonly IReadOnlyList<AmqpSession> _corpus = corpus;
    /// <summary>Every corpus frame, for splicing into payloads.</summary>
    private readonly List<byte[]> _donors = [.. corpus.SelectMany(s => s.Frames)];
    /// <summary>Every corpus session as one stream, for byte-level splicing.</summary>
    private readonly List<byte[]> _streams = [.. corpus.Select(s => s.ToBytes())];

    /// <summary>Every method id a client might send or a server might mistake, as class &lt;&lt; 16 | method.</summary>
    private static readonly uint[] MethodIds = [.. Enum.GetValues<AmqpMethodId>().Select(id => (uint)id)];

    public byte[] Mutate(Random random)
    {
        var session = _corpus[random.Next(_corpus.Count)];
        var frames = session.Frames.Select(f => f.ToArray()).ToList();
        int rounds = 1 + random.Next(3);
        for (int i = 0; i < rounds; i++) MutateFrames(random, frames);
        byte[] bytes = [.. frames.SelectMany(f => f)];
        if (random.Next(4) == 0) bytes = ByteMutator.Mutate(random, bytes, _streams);
        return bytes;
    }

    private void MutateFrames(Random random, List<byte[]> frames)
    {
        if (frames.Count == 0) return;
        // Frame 0 is the protocol header; mutate it rarely so most inputs get past it.
        int at = frames.Count > 1 && random.Next(20) != 0 ? 1 + random.Next(frames.Count - 1) : random.Next(frames.Count);
        byte[] frame = frames[at];
        switch (random.Next(12))
        {
            case 0:
                frames.RemoveAt(at);
                break;
            case 1:
                frames.Insert(at, frame.ToArray());
                break;
            case 2:
            {
                int other = random.Next(frames.Count);
                (frames[at], frames[other]) = (frames[other], frames[at]);
                break;
            }
            case 3: // a frame from another session, at a random place
            {
                var donor = _corpus[random.Next(_corpus.Count)].Frames;
                frames.Insert(at, donor[random.Next(donor.Count)].ToArray());
                break;
            }
            case 4 when frame.Length >= 7: // the size field
            {
                uint size = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(3));
                uint changed = random.Next(2) == 0
                    ? (uint)ByteMutator.Interesting[random.Next(ByteMutator.Interesting.Length)]
                    : (uint)(size + random.Next(-8, 9));
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(3), changed);
                break;
            }
            case 5 when frame.Length >= 3: // the channel
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1),
                    (ushort)(random.Next(3) == 0 ? ByteMutator.Interesting[random.Next(ByteMutator.Interesting.Length)] : random.Next(6)));
                break;
            case 6 when frame.Length >= 1: // the type
                frame[0] = (byte)(random.Next(3) == 0 ? random.Next(256) : new[] { 1, 2, 3, 4, 8 }[random.Next(5)]);
                break;
            case 7 when frame.Length >= 1: // the frame end
                frame[^1] = (byte)random.Next(256);
                break;
            case 8 when frame.Length >= 12 && frame[0] == AmqpConstants.FrameMethod: // another method's id, same arguments
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(7), MethodIds[random.Next(MethodIds.Length)]);
                break;
            case 9 when frame.Length > 8: // truncate the stream in the middle of this frame
                frames[at] = frame[..random.Next(frame.Length)];
                frames.RemoveRange(at + 1, frames.Count - at - 1);
                break;
            default: // garble the payload, then fix the size so the parser of this frame's type reads it
                if (frame.Length < 8) break;
                frames[at] = GarblePayload(random, frame);
                break;
        }
    }

    private byte[] GarblePayload(Random random, byte[] frame)
    {
        var payload = new List<byte>(frame.AsSpan(7, frame.Length - 8).ToArray());
        // Leave a method frame's class and method ids alone most of the time: its arguments are the target.
        int keep = frame[0] == AmqpConstants.FrameMethod && payload.Count >= 4 && random.Next(4) != 0 ? 4 : 0;
        var head = payload.GetRange(0, keep);
        var rest = payload.GetRange(keep, payload.Count - keep);
        int rounds = 1 + random.Next(3);
        for (int i = 0; i < rounds; i++) ByteMutator.MutateOnce(random, rest, _donors);
        byte[] result = new byte[8 + keep + rest.Count];
        frame.AsSpan(0, 3).CopyTo(result);
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(3), (uint)(keep + rest.Count));
        head.CopyTo(result, 7);
        rest.CopyTo(result, 7 + keep);
        result[^1] = AmqpConstants.FrameEnd;
        return result;
    }
}
