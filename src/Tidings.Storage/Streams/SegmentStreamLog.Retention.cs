namespace Tidings.Storage.Streams;

/// <summary>Retention: whole closed segments go, oldest first, never the one being appended to.</summary>
internal sealed partial class SegmentStreamLog
{
    public int ApplyRetention(long nowMs)
    {
        List<StreamSegment>? doomed = null;
        lock (_lock)
        {
            long? maxAgeMs = _retention.MaxAge is { } age ? (long)age.TotalMilliseconds : null;
            while (_segments.Count > 1)
            {
                var oldest = _segments[0];
                // Sealed: all on disk and no writer handle left, so deleting it races with nothing but cursors.
                if (!oldest.Sealed) break;
                bool tooLarge = _retention.MaxLengthBytes is { } max && _sizeBytes - oldest.Length > max;
                bool tooOld = maxAgeMs is { } maxAge && oldest.LastTimestampMs < nowMs - maxAge;
                if (!tooLarge && !tooOld) break;
                _segments.RemoveAt(0);
                _sizeBytes -= oldest.Length;
                // Under the lock, so a cursor that sees the segment still listed reads it before the flag.
                oldest.Deleted = true;
                (doomed ??= []).Add(oldest);
            }
        }
        if (doomed is null) return 0;
        foreach (var segment in doomed)
        {
            try
            {
                segment.DeleteFiles();
            }
            catch (IOException e)
            {
                _store.Report($"stream {_name}: retention could not delete {segment.SegmentPath}: {e.Message}");
            }
        }
        return doomed.Count;
    }
}
