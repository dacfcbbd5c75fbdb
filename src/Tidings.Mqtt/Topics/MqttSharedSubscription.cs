namespace Tidings.Mqtt.Topics;

/// <summary>
/// The shared-subscription filter form <c>$share/{ShareName}/{filter}</c>: each matching message goes
/// to one subscriber of the group. The share name is at least one character with no <c>/</c>,
/// <c>+</c> or <c>#</c>; the rest is an ordinary valid filter.
/// </summary>
public static class MqttSharedSubscription
{
    /// <summary>The prefix that marks a shared subscription.</summary>
    public const string Prefix = "$share/";

    /// <summary>True when <paramref name="filter"/> starts with <see cref="Prefix"/>.</summary>
    public static bool IsShared(ReadOnlySpan<char> filter) => filter.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Splits a shared filter into share name and inner filter; false when it is not a valid shared filter.</summary>
    public static bool TryParse(ReadOnlySpan<char> filter, out string shareName, out string innerFilter)
    {
        shareName = innerFilter = string.Empty;
        if (!IsShared(filter))
        {
            return false;
        }

        var rest = filter[Prefix.Length..];
        int slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var name = rest[..slash];
        var inner = rest[(slash + 1)..];
        if (name.IndexOfAny('+', '#', '\0') >= 0 || !MqttTopicFilter.IsValidPlain(inner))
        {
            return false;
        }

        shareName = name.ToString();
        innerFilter = inner.ToString();
        return true;
    }
}
