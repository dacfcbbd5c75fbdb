namespace Tidings.Mqtt.Topics;

/// <summary>Rules for topic names (what PUBLISH carries): at least one character, no wildcards, no U+0000.</summary>
public static class MqttTopicName
{
    /// <summary>True when <paramref name="topic"/> is a valid topic name. Empty levels are allowed (<c>/a</c>, <c>a//b</c>).</summary>
    public static bool IsValid(ReadOnlySpan<char> topic) =>
        !topic.IsEmpty && topic.IndexOfAny('+', '#', '\0') < 0;
}
