using System.Buffers.Binary;
using System.Diagnostics;

namespace Tidings.Storage;

/// <summary>
/// Compaction: the few live records of a mostly-dead segment are copied to the end of the log, in
/// envelopes that remember their original id, so the segment can be deleted. The copying and its
/// fsync run outside the lock (readers and removers carry on meanwhile); only choosing the segment
/// and switching callers' ids over to the copies take it.
/// </summary>
public sealed partial class SegmentLog
{
    /// <summary>First payload byte reserved for relocation envelopes: [0xFE][uint64 original id][payload].</summary>
    private const byte EnvelopeMarker = 0xFE;
    private const int EnvelopeHeader = 9;
    /// <summary>Present once a log has been compacted: recovery then looks for relocated records first.</summary>
    private const string CompactedMarkerFile = "compacted";

    /// <summary>The segment being copied by <see cref="CompactOne(long, bool, out bool)"/>, null otherwise. Guarded by _lock.</summary>
    private Segment? _compacting;
    /// <summary>Callers' ids of records of <see cref="_compacting"/> removed while it was copied: their copies die at the switch. Guarded by _lock.</summary>
    private readonly HashSet<ulong> _removedWhileCompacting = [];

    /// <summary>
    /// Compacts one mostly-dead segment, if there is one: its live records (at most a quarter of
    /// them) are copied to the end of the log in envelopes that remember their original id, the
    /// copy is fsynced, and the old files are deleted. Callers keep using the original ids.
    /// Only the writer thread calls this (it appends). Returns true when a segment was compacted.
    /// </summary>
    public bool CompactOne(long minimumBytes) => CompactOne(minimumBytes, skipSegmentsBeingConsumed: false, out _);

    /// <summary>
    /// As <see cref="CompactOne(long)"/>; with <paramref name="skipSegmentsBeingConsumed"/>, a
    /// segment that lost records since the previous check is left alone this time
    /// (<paramref name="deferred"/> says so). Consumers draining a queue in order empty its oldest
    /// segment anyway: copying its last quarter forward would only double that work (measured:
    /// a 500k-message drain ran about 13 % faster without it). Stragglers are compacted once the
    /// segment stops changing.
    /// </summary>
    public bool CompactOne(long minimumBytes, bool skipSegmentsBeingConsumed, out bool deferred)
    {
        Segment? candidate;
        string directory;
        FileStream? records = null, acks = null;
        lock (_lock)
        {
            candidate = ChooseCandidateLocked(minimumBytes, skipSegmentsBeingConsumed, out deferred);
            if (candidate is null) return false;
            directory = _directory;
            // Opened now, while the segment surely exists: a removal may delete it while it is copied.
            candidate.AckWriter?.Flush(flushToDisk: false);
            records = OpenForCopy(SegmentPath(directory, candidate.Number));
            acks = File.Exists(AckPath(directory, candidate.Number)) ? OpenForCopy(AckPath(directory, candidate.Number)) : null;
            _compacting = candidate;
            _removedWhileCompacting.Clear();
        }
        var copies = new List<(ulong Logical, RecordId Copy)>();
        try
        {
            MarkCompacted(directory);
            CopySurvivors(candidate, records, acks, copies);
            // The copies are on disk before callers are switched to them and the original goes:
            // a crash before the switch leaves both, and recovery keeps the original.
            Flush();
        }
        catch
        {
            AbandonCopies(copies);
            throw;
        }
        finally
        {
            records.Dispose();
            acks?.Dispose();
        }
        bool killedCopies = SwitchToCopies(copies);
        // A record removed during the copy lost its copy by an ack: that ack is on disk before
        // the original's segment (whose ack file said it was dead) goes.
        if (killedCopies) Flush();
        lock (_lock)
        {
            if (_segments.TryGetValue(candidate.Number, out var still) && still == candidate) DeleteSegmentLocked(candidate);
        }
        return true;
    }

    /// <summary>
    /// The first segment worth compacting: not active, at least <paramref name="minimumBytes"/>,
    /// three-quarters dead. Resets every segment's recent removals (the next check's baseline).
    /// </summary>
    private Segment? ChooseCandidateLocked(long minimumBytes, bool skipSegmentsBeingConsumed, out bool deferred)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        deferred = false;
        Segment? candidate = null;
        foreach (var s in _segments.Values)
        {
            bool mostlyDead = s != _active && s.Length >= minimumBytes && s.Records > 0 && s.Live * 4 <= s.Records;
            if (mostlyDead && skipSegmentsBeingConsumed && s.RecentRemovals > 0) deferred = true;
            else if (mostlyDead) candidate ??= s;
            s.RecentRemovals = 0;
        }
        return candidate;
    }

    /// <summary>Leaves the marker that tells recovery to look for envelopes, durably, before the first envelope counts.</summary>
    private static void MarkCompacted(string directory)
    {
        string marker = Path.Combine(directory, CompactedMarkerFile);
        if (File.Exists(marker)) return;
        File.WriteAllBytes(marker, []);
        DirectorySync.Fsync(directory);
    }

    /// <summary>Appends an envelope for every live record of the segment; the copies are not yet what callers' ids lead to.</summary>
    private void CopySurvivors(Segment candidate, FileStream records, FileStream? acks, List<(ulong Logical, RecordId Copy)> copies)
    {
        var dead = new HashSet<long>();
        if (acks is not null)
        {
            ScanFile(acks, candidate.Number, truncateTornTail: false, [], (_, payload) =>
            {
                if (payload.Length == 4) dead.Add(BinaryPrimitives.ReadUInt32BigEndian(payload.Span));
            });
        }
        var survivors = new List<(ulong Logical, byte[] Payload)>();
        ScanFile(records, candidate.Number, truncateTornTail: false, [], (offset, payload) =>
        {
            if (dead.Contains(offset)) return;
            var (logical, inner) = Unwrap(new RecordId(candidate.Number, (uint)offset), payload);
            survivors.Add((logical, inner.ToArray()));
        });
        foreach (var (logical, payload) in survivors)
        {
            var envelope = new byte[EnvelopeHeader + payload.Length];
            envelope[0] = EnvelopeMarker;
            BinaryPrimitives.WriteUInt64BigEndian(envelope.AsSpan(1), logical);
            payload.CopyTo(envelope, EnvelopeHeader);
            copies.Add((logical, AppendRaw(envelope)));
        }
    }

    /// <summary>
    /// Points callers' ids at the durable copies, except those removed meanwhile, whose copies are
    /// marked dead instead. Returns true when it marked any (their acks still need a flush).
    /// </summary>
    private bool SwitchToCopies(List<(ulong Logical, RecordId Copy)> copies)
    {
        lock (_lock)
        {
            bool killed = false;
            foreach (var (logical, copy) in copies)
            {
                if (_removedWhileCompacting.Contains(logical))
                {
                    RemovePhysicalLocked(copy);
                    killed = true;
                }
                else
                {
                    _relocated[logical] = copy;
                }
            }
            _compacting = null;
            _removedWhileCompacting.Clear();
            return killed;
        }
    }

    /// <summary>After a failed copy: the copies made so far die (recovery would drop them anyway), the original stays.</summary>
    private void AbandonCopies(List<(ulong Logical, RecordId Copy)> copies)
    {
        lock (_lock)
        {
            _compacting = null;
            _removedWhileCompacting.Clear();
            try
            {
                foreach (var (_, copy) in copies) RemovePhysicalLocked(copy);
            }
            catch (IOException)
            {
                // No room even for the acks: the copies stay until recovery drops them as duplicates.
            }
        }
    }

    private static FileStream OpenForCopy(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 20);

    /// <summary>The id callers know a record by, and its payload without any relocation envelope.</summary>
    private static (ulong Logical, ReadOnlyMemory<byte> Payload) Unwrap(RecordId physical, ReadOnlyMemory<byte> payload)
    {
        var span = payload.Span;
        if (span.Length >= EnvelopeHeader && span[0] == EnvelopeMarker)
            return (BinaryPrimitives.ReadUInt64BigEndian(span[1..]), payload[EnvelopeHeader..]);
        return (physical.Value, payload);
    }
}
