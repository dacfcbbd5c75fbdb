using Tidings.Mqtt.Protocol;

namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// Mutations that know the packet layout: remove, duplicate, swap and splice packets; flip the
/// flag bits or change the type of the first byte; write a wrong, non-minimal or over-long
/// remaining length; change property ids, duplicate, drop or borrow properties, skew the
/// property length or garble one property's own length; garble the variable header or the
/// payload with the lengths fixed so the bytes reach the decoders; change CONNECT's protocol
/// level and flags; cut the stream inside a packet. Byte-level mutations of the whole stream
/// come on top now and then.
/// </summary>
internal sealed class MqttMutator(IReadOnlyList<MqttSession> corpus)
{
    /// <summary>The valid sessions every input starts from.</summary>
    private readonly IReadOnlyList<MqttSession> _corpus = corpus;
    /// <summary>Every corpus packet's body, for splicing into parts.</summary>
    private readonly List<byte[]> _donors = [.. corpus.SelectMany(s => s.Packets).Select(p => p.Body())];
    /// <summary>Every property entry of the corpus, to put into packets that may not carry it.</summary>
    private readonly List<byte[]> _donorProperties = [.. corpus.SelectMany(s => s.Packets).SelectMany(p => p.Properties ?? [])];
    /// <summary>Every corpus session as one stream, for byte-level splicing.</summary>
    private readonly List<byte[]> _streams = [.. corpus.Select(s => s.ToBytes())];
    /// <summary>The property ids 5.0 defines; some inputs get an undefined one instead.</summary>
    private static readonly byte[] PropertyIds = [.. Enum.GetValues<MqttPropertyId>().Select(id => (byte)id)];

    public byte[] Mutate(Random random)
    {
        var session = _corpus[random.Next(_corpus.Count)];
        var packets = session.Packets.Select(p => p.Clone()).ToList();
        int? cut = null;
        int rounds = 1 + random.Next(3);
        for (int i = 0; i < rounds; i++) MutatePackets(random, packets, ref cut);
        var bytes = new List<byte>();
        foreach (var packet in packets) bytes.AddRange(packet.Encode());
        byte[] stream = cut is { } at ? [.. bytes.Take(Math.Min(at, bytes.Count))] : [.. bytes];
        if (random.Next(4) == 0) stream = ByteMutator.Mutate(random, stream, _streams);
        return stream;
    }

    private void MutatePackets(Random random, List<MqttWirePacket> packets, ref int? cut)
    {
        if (packets.Count == 0) return;
        // Packet 0 is CONNECT; mutate it rarely so most inputs get past the handshake.
        int at = packets.Count > 1 && random.Next(12) != 0 ? 1 + random.Next(packets.Count - 1) : random.Next(packets.Count);
        var packet = packets[at];
        switch (random.Next(16))
        {
            case 0:
                packets.RemoveAt(at);
                break;
            case 1:
                packets.Insert(at, packet.Clone());
                break;
            case 2:
            {
                int other = random.Next(packets.Count);
                (packets[at], packets[other]) = (packets[other], packets[at]);
                break;
            }
            case 3: // a packet from another session (perhaps another version), at a random place
            {
                var donor = _corpus[random.Next(_corpus.Count)].Packets;
                packets.Insert(at, donor[random.Next(donor.Count)].Clone());
                break;
            }
            case 4: // one flag bit
                packet.First ^= (byte)(1 << random.Next(4));
                break;
            case 5: // another type, same flags most of the time
                packet.First = (byte)((random.Next(16) << 4) | (random.Next(3) == 0 ? random.Next(16) : packet.First & 0x0F));
                break;
            case 6:
                packet.RemainingLengthOverride = RemainingLength(random, packet.Body().Length);
                break;
            case 7 when packet.Properties is { Count: > 0 } properties: // another id, same value
                properties[random.Next(properties.Count)][0] = random.Next(4) == 0 ? (byte)random.Next(256) : PropertyIds[random.Next(PropertyIds.Length)];
                break;
            case 8 when packet.Properties is { } properties: // duplicate, drop or borrow a property
            {
                int which = properties.Count == 0 ? 2 : random.Next(3);
                if (which == 0) properties.Insert(random.Next(properties.Count + 1), properties[random.Next(properties.Count)].ToArray());
                else if (which == 1) properties.RemoveAt(random.Next(properties.Count));
                else if (_donorProperties.Count > 0) properties.Insert(random.Next(properties.Count + 1), _donorProperties[random.Next(_donorProperties.Count)].ToArray());
                break;
            }
            case 9 when packet.Properties is not null:
                packet.PropertyLengthSkew = random.Next(3) == 0 ? (int)ByteMutator.Interesting[random.Next(ByteMutator.Interesting.Length)] : random.Next(-4, 5);
                break;
            case 10 when packet.Properties is { Count: > 0 } properties: // inside one property: its string length, its value
            {
                int index = random.Next(properties.Count);
                var entry = new List<byte>(properties[index]);
                var value = entry.GetRange(1, entry.Count - 1);
                ByteMutator.MutateOnce(random, value, _donors);
                properties[index] = [entry[0], .. value];
                break;
            }
            case 11: // the variable header: packet id, topic, reason code, protocol name
                packet.Head = Garble(random, packet.Head);
                break;
            case 12: // the payload, filters, CONNECT payload
                packet.Tail = Garble(random, packet.Tail);
                break;
            case 13 when packet.Type == (int)MqttPacketType.Connect: // protocol level, connect flags, keep alive
                Connect(random, packet);
                break;
            case 14 when packet.Type == (int)MqttPacketType.Publish: // the QoS, DUP and RETAIN bits together
                packet.First = (byte)(0x30 | random.Next(16));
                break;
            case 15: // the stream ends inside this packet
            {
                int before = packets.Take(at).Sum(p => p.Encode().Length);
                cut = before + random.Next(Math.Max(1, packet.Encode().Length));
                break;
            }
        }
    }

    /// <summary>A remaining length that lies: off by a little, an edge value, non-minimal, or five bytes long.</summary>
    private static byte[] RemainingLength(Random random, int truth)
    {
        switch (random.Next(4))
        {
            case 0:
                return MqttWirePacket.VariableByteInteger(Math.Max(0, truth + random.Next(-4, 5)));
            case 1:
            {
                int[] edges = [0, 1, 127, 128, 16_383, 16_384, 65_535, 2_097_151, 2_097_152, 268_435_455];
                return MqttWirePacket.VariableByteInteger(edges[random.Next(edges.Length)]);
            }
            case 2: // the true value padded with continuation bytes (legal only in the sense of decodable)
            {
                var bytes = new List<byte>(MqttWirePacket.VariableByteInteger(truth));
                while (bytes.Count < 4)
                {
                    bytes[^1] |= 0x80;
                    bytes.Add(0);
                }
                return [.. bytes];
            }
            default: // more than four bytes with the continuation bit
                return [0xFF, 0xFF, 0xFF, 0xFF, (byte)random.Next(128)];
        }
    }

    private byte[] Garble(Random random, byte[] part)
    {
        var data = new List<byte>(part);
        int rounds = 1 + random.Next(3);
        for (int i = 0; i < rounds; i++) ByteMutator.MutateOnce(random, data, _donors);
        return [.. data];
    }

    /// <summary>Protocol level, connect flags or keep alive of a CONNECT whose head is still long enough to find them.</summary>
    private static void Connect(Random random, MqttWirePacket packet)
    {
        var head = packet.Head;
        if (head.Length < 2) return;
        int level = 2 + ((head[0] << 8) | head[1]);
        if (head.Length < level + 4) return;
        switch (random.Next(3))
        {
            case 0:
                head[level] = (byte)(random.Next(3) == 0 ? random.Next(256) : 3 + random.Next(3));
                break;
            case 1:
                head[level + 1] ^= (byte)(1 << random.Next(8));
                break;
            default:
                ushort[] keepAlive = [0, 1, 2, 65535];
                ushort value = keepAlive[random.Next(keepAlive.Length)];
                head[level + 2] = (byte)(value >> 8);
                head[level + 3] = (byte)value;
                break;
        }
    }
}
