using System.Buffers.Binary;

namespace Tidings.Fuzz;

/// <summary>
/// Byte-level mutations shared by every target: bit flips, byte sets, interesting values
/// written as 1, 2, 4 or 8 big-endian bytes (AMQP's byte order), truncation, deletion,
/// duplication and splicing with another corpus entry. Each call applies one to a few.
/// </summary>
internal static class ByteMutator
{
    /// <summary>Values at the edges of the ranges parsers check: 0, ±1, a byte, a short, an int.</summary>
    public static readonly long[] Interesting =
        [0, 1, -1, 2, 7, 8, 127, 128, 255, 256, 1023, 4096, 32767, 32768, 65535, 65536, 131072, 131073,
         int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue];

    public static byte[] Mutate(Random random, byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        int rounds = 1 + (random.Next(4) == 0 ? random.Next(1, 6) : 0);
        for (int i = 0; i < rounds; i++) MutateOnce(random, data, corpus);
        return [.. data];
    }

    public static void MutateOnce(Random random, List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        if (data.Count == 0)
        {
            data.Add((byte)random.Next(256));
            return;
        }
        int at = random.Next(data.Count);
        switch (random.Next(10))
        {
            case 0: // flip one bit
                data[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1: // set one byte
                data[at] = (byte)random.Next(256);
                break;
            case 2: // an interesting value, 1/2/4/8 bytes wide
            {
                int width = 1 << random.Next(4);
                Span<byte> bytes = stackalloc byte[8];
                BinaryPrimitives.WriteInt64BigEndian(bytes, Interesting[random.Next(Interesting.Length)]);
                for (int k = 0; k < width && at + k < data.Count; k++) data[at + k] = bytes[8 - width + k];
                break;
            }
            case 3: // truncate
                data.RemoveRange(at, data.Count - at);
                break;
            case 4: // delete a run
                data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                break;
            case 5: // duplicate a run in place
            {
                int length = Math.Min(data.Count - at, 1 + random.Next(64));
                data.InsertRange(at, data.GetRange(at, length));
                break;
            }
            case 6: // insert random bytes
            {
                int length = 1 + random.Next(8);
                for (int k = 0; k < length; k++) data.Insert(at, (byte)random.Next(256));
                break;
            }
            case 7: // splice: our head, another entry's tail
            {
                var other = corpus[random.Next(corpus.Count)];
                if (other.Length == 0) break;
                int from = random.Next(other.Length);
                data.RemoveRange(at, data.Count - at);
                data.AddRange(other.AsSpan(from).ToArray());
                break;
            }
            case 8: // copy a run over another place
            {
                int length = Math.Min(data.Count - at, 1 + random.Next(32));
                var run = data.GetRange(at, length);
                int to = random.Next(data.Count);
                for (int k = 0; k < run.Count && to + k < data.Count; k++) data[to + k] = run[k];
                break;
            }
            default: // arithmetic on one byte
                data[at] = (byte)(data[at] + random.Next(-16, 17));
                break;
        }
    }
}
