namespace Tidings.Fuzz.Amqp;

/// <summary>
/// A client's side of one AMQP connection as a list of frames (the first entry is the
/// 8-byte protocol header), so that mutations can work on whole frames as well as on bytes.
/// </summary>
internal sealed class AmqpSession(string name, List<byte[]> frames)
{
    public string Name { get; } = name;
    public List<byte[]> Frames { get; } = frames;

    public byte[] ToBytes() => [.. Frames.SelectMany(f => f)];
}
