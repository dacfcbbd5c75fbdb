namespace Tidings.Fuzz.Http;

/// <summary>
/// Mutations of path segments: odd and broken percent-encodings, encoded slashes, dot
/// segments, empty, long and non-ASCII names, names of predeclared objects.
/// </summary>
internal static class PathMutator
{
    private static readonly string[] Segments =
        ["%2F", "%2f", "%", "%2", "%zz", "%00", "%2F%2F", "..", ".", "", "%C3%28", "%FF", "%ED%A0%80", "%E2%82%AC", "%20",
         "a%2Fb", "amq.default", "amq.direct", "amq.topic", "amq.gen-1", "amq.rabbitmq.reply-to", "%25", "%252F", "?x=1", "#",
         "fz.q", "fz.x", "fz", "%u0041", "ü", "😀"];

    public static string[] Mutate(Random random, string[] segments)
    {
        var result = segments.ToArray();
        // Segment 0 is "api"; below it the route's own words ("queues") and then names.
        int at = 1 + random.Next(Math.Max(1, result.Length - 1));
        if (at >= result.Length) return result;
        result[at] = random.Next(5) switch
        {
            0 => new string('q', new[] { 255, 256, 300, 4000 }[random.Next(4)]),
            1 => result[at] + Segments[random.Next(Segments.Length)],
            _ => Segments[random.Next(Segments.Length)],
        };
        return result;
    }
}
