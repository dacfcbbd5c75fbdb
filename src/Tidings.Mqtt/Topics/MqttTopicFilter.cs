namespace Tidings.Mqtt.Topics;

/// <summary>
/// Topic filters: validation and matching with MQTT semantics. <c>+</c> matches exactly one level,
/// <c>#</c> any number of levels including none, so <c>a/#</c> matches <c>a</c> too; a filter that
/// starts with a wildcard never matches a topic that starts with <c>$</c> (<c>$SYS/…</c>).
/// Matching allocates nothing, so it suits a retained-message scan.
/// </summary>
public static class MqttTopicFilter
{
    /// <summary>
    /// True when <paramref name="filter"/> is a valid filter: not empty, no U+0000, <c>+</c> alone in its
    /// level, <c>#</c> alone in the last level. A <c>$share/{group}/{filter}</c> filter is valid when
    /// <see cref="MqttSharedSubscription.TryParse"/> accepts it.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> filter)
    {
        if (filter.StartsWith(MqttSharedSubscription.Prefix, StringComparison.Ordinal))
        {
            return MqttSharedSubscription.TryParse(filter, out _, out _);
        }

        return IsValidPlain(filter);
    }

    /// <summary>As <see cref="IsValid"/> but without the shared-subscription form.</summary>
    public static bool IsValidPlain(ReadOnlySpan<char> filter)
    {
        if (filter.IsEmpty || filter.Contains('\0'))
        {
            return false;
        }

        for (int i = 0; i < filter.Length; i++)
        {
            char c = filter[i];
            if (c is not ('+' or '#'))
            {
                continue;
            }

            bool startsLevel = i == 0 || filter[i - 1] == '/';
            bool endsLevel = i == filter.Length - 1 || filter[i + 1] == '/';
            if (!startsLevel || !endsLevel || (c == '#' && i != filter.Length - 1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the filter contains <c>+</c> or <c>#</c>.</summary>
    public static bool HasWildcards(ReadOnlySpan<char> filter) => filter.IndexOfAny('+', '#') >= 0;

    /// <summary>
    /// True when topic name <paramref name="topic"/> matches <paramref name="filter"/> (a valid plain
    /// filter: strip <c>$share/{group}/</c> first).
    /// </summary>
    public static bool Matches(ReadOnlySpan<char> filter, ReadOnlySpan<char> topic)
    {
        if (!topic.IsEmpty && topic[0] == '$' && !filter.IsEmpty && filter[0] is '+' or '#')
        {
            return false;
        }

        while (true)
        {
            int f = filter.IndexOf('/');
            var filterLevel = f < 0 ? filter : filter[..f];
            if (filterLevel is "#")
            {
                return true;
            }

            int t = topic.IndexOf('/');
            var topicLevel = t < 0 ? topic : topic[..t];
            if (!(filterLevel is "+") && !filterLevel.SequenceEqual(topicLevel))
            {
                return false;
            }

            if (f < 0 || t < 0)
            {
                // Topic used up: matches if the filter is too, or only "/#" is left ("a/#" matches "a").
                return f < 0 ? t < 0 : filter[(f + 1)..] is "#";
            }

            filter = filter[(f + 1)..];
            topic = topic[(t + 1)..];
        }
    }
}
