using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// The Topic Aliases a 5.0 client set on this connection (alias 1..the server's Topic Alias
/// Maximum → topic name). They live and die with the network connection: a reconnect starts
/// with none, even when the session is resumed. Reader loop only.
/// </summary>
internal sealed class InboundTopicAliases(ushort maximum)
{
    /// <summary>Index alias - 1; allocated at the first alias, so clients that use none pay nothing.</summary>
    private string[]? _topics;

    /// <summary>The topic a PUBLISH is for: sets the alias when it carries a topic, looks it up when the topic is empty.</summary>
    /// <exception cref="MqttProtocolException">0x94 for alias 0 or above the maximum; 0x82 for an alias used before it was set.</exception>
    public string Resolve(string topic, ushort alias)
    {
        if (alias == 0 || alias > maximum)
            throw new MqttProtocolException(MqttReasonCode.TopicAliasInvalid, $"topic alias {alias} outside 1..{maximum}");
        _topics ??= new string[maximum];
        if (topic.Length > 0)
        {
            _topics[alias - 1] = topic;
            return topic;
        }
        return _topics[alias - 1] ?? throw MqttProtocolException.Protocol($"PUBLISH with topic alias {alias}, which was never set");
    }
}
