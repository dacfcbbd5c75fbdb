using System.Globalization;
using Tidings.Core.Queues;
using Tidings.Http.Common;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>
/// /api/streams: the stream queues only, each as /api/queues shows it. The <c>stream</c> object
/// every stream carries (in /api/queues too) is built here: the log's offsets, size, segments,
/// retention, the stored positions with their lag and the live consumers' offsets.
/// </summary>
internal static class StreamEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.GetList("streams", Access.Management, "Stream queues in every visible virtual host, with their stream details", r =>
            ListReply.Reply(r, Streams(r.VisibleVhosts(fromPath: false).SelectMany(v => v.Queues)), Formats.QueueListing(r.Sampler)));
        router.GetList("streams/{vhost}", Access.Management, "Stream queues of one virtual host", r =>
            ListReply.Reply(r, Streams(r.Vhost().Queues), Formats.QueueListing(r.Sampler)));
        router.Get("streams/{vhost}/{name}", Access.Management, "One stream queue, with consumer_details", r =>
            ListReply.One(r, Formats.Queue(Find(r), r.Sampler, withConsumerDetails: true)));
    }

    private static IEnumerable<IQueue> Streams(IEnumerable<IQueue> queues) => queues.Where(q => q is StreamQueue);

    private static StreamQueue Find(ApiRequest request) =>
        request.Vhost().FindQueue(request["name"]) as StreamQueue ?? throw new ApiError(HttpErrors.NotFound());

    /// <summary>
    /// The <c>stream</c> object of a stream queue. Offsets are those of the x-stream-offset header;
    /// a position's <c>offset</c> is the next offset its reader gets, and its lag what it has not
    /// read yet of what is kept.
    /// </summary>
    public static Fields Details(StreamQueue stream)
    {
        long first = stream.FirstOffset, next = stream.NextOffset;
        bool empty = next <= first;
        var retention = stream.Retention;
        var positions = new List<Fields>();
        foreach (var (name, offset) in stream.Positions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            positions.Add(new Fields(StringComparer.Ordinal)
            {
                ["name"] = name,
                ["offset"] = offset,
                ["lag"] = StreamQueue.LagBehind(offset, first, next),
            });
        }
        var consumers = new List<Fields>();
        foreach (var consumer in stream.ConsumerOffsets)
        {
            consumers.Add(new Fields(StringComparer.Ordinal)
            {
                ["consumer_tag"] = consumer.ConsumerTag,
                ["offset"] = consumer.NextOffset,
                ["acknowledged_offset"] = consumer.AckedUpTo,
                ["lag"] = StreamQueue.LagBehind(consumer.NextOffset, first, next),
                ["position_name"] = consumer.TrackingName,
            });
        }
        return new Fields(StringComparer.Ordinal)
        {
            ["size_bytes"] = stream.SizeBytes,
            ["segments"] = stream.SegmentCount,
            ["first_offset"] = first,
            ["last_offset"] = empty ? null : next - 1,
            ["next_offset"] = next,
            ["first_timestamp"] = empty || stream.FirstTimestampMs == 0 ? null : stream.FirstTimestampMs,
            ["retention"] = new Fields(StringComparer.Ordinal)
            {
                ["max_length_bytes"] = retention.MaxLengthBytes,
                ["max_age"] = retention.MaxAge is { } age ? FormatAge(age) : null,
                ["max_age_seconds"] = retention.MaxAge is { } seconds ? (long)seconds.TotalSeconds : null,
                ["max_segment_size_bytes"] = retention.MaxSegmentSizeBytes,
            },
            ["consumer_positions"] = positions,
            ["live_consumers"] = consumers,
        };
    }

    /// <summary>An age in x-max-age's own units (Y, M, D, h, m, s), the largest that divides it.</summary>
    public static string FormatAge(TimeSpan age)
    {
        long seconds = (long)age.TotalSeconds;
        if (seconds <= 0) return "0s";
        (long Size, string Unit)[] units = [(86400, "D"), (3600, "h"), (60, "m")];
        foreach (var (size, unit) in units)
            if (seconds % size == 0) return (seconds / size).ToString(CultureInfo.InvariantCulture) + unit;
        return seconds.ToString(CultureInfo.InvariantCulture) + "s";
    }
}
