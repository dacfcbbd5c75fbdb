namespace Tidings.Core.Queues;

/// <summary>Where a queue entry is in its life.</summary>
internal enum EntryState : byte
{
    /// <summary>In the ready list (or not placed yet).</summary>
    Ready,
    /// <summary>Delivered to a consumer or a connectionless receiver; awaiting settlement.</summary>
    Out,
    /// <summary>Not deliverable before <see cref="QueueEntry.VisibleAtMs"/> (a delivery delay, or settled "visible again after a delay").</summary>
    Waiting,
}
