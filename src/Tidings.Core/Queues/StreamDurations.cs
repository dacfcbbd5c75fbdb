using System.Globalization;

namespace Tidings.Core.Queues;

/// <summary>
/// The durations streams take as text, as RabbitMQ writes them: a positive whole number and one
/// unit, <c>Y</c> (365 days), <c>M</c> (30 days), <c>D</c>, <c>h</c>, <c>m</c> or <c>s</c>, e.g.
/// <c>7D</c> or <c>12h</c> (x-max-age, and x-stream-offset intervals).
/// </summary>
internal static class StreamDurations
{
    /// <summary>The duration <paramref name="text"/> names; false when it is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text) || text.Length < 2) return false;
        if (!long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count <= 0)
            return false;
        double seconds = text[^1] switch
        {
            'Y' => 365 * 86400.0,
            'M' => 30 * 86400.0,
            'D' => 86400.0,
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => 0,
        };
        if (seconds == 0 || count * seconds > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        duration = TimeSpan.FromSeconds(count * seconds);
        return true;
    }
}
