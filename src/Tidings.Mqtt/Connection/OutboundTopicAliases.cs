namespace Tidings.Mqtt.Connection;

/// <summary>
/// The Topic Aliases this connection uses towards a 5.0 client, at most the Topic Alias Maximum the
/// client gave in CONNECT (none when it gave 0 or is 3.x). Direct-mapped: a topic always gets the
/// alias its hash picks; when another topic holds it, the alias is re-pointed by sending the new
/// topic with it (which MQTT allows), so choosing costs a hash and a compare and never allocates.
/// Called inside the output lock, so choices are made in the order the packets go out.
/// </summary>
internal sealed class OutboundTopicAliases(ushort maximum)
{
    /// <summary>Topic each alias stands for at the client, index alias - 1; allocated at first use.</summary>
    private string?[]? _topics;

    /// <summary>True when the client accepts aliases.</summary>
    public bool Enabled => maximum > 0;

    /// <summary>
    /// The alias for <paramref name="topic"/> (0 = none) and whether the client already knows it,
    /// in which case the PUBLISH goes with an empty topic name.
    /// </summary>
    public ushort Choose(string topic, out bool known)
    {
        known = false;
        if (maximum == 0 || topic.Length == 0) return 0;
        _topics ??= new string?[maximum];
        int slot = (int)((uint)string.GetHashCode(topic) % maximum);
        var current = _topics[slot];
        if (ReferenceEquals(current, topic) || string.Equals(current, topic, StringComparison.Ordinal)) known = true;
        else _topics[slot] = topic;
        return (ushort)(slot + 1);
    }
}
