using System.Diagnostics;
using System.Runtime.InteropServices;
using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>
/// Message groups (x-message-groups, SQS FIFO's MessageGroupId): a message carrying the header
/// x-message-group-id belongs to that group, one without it is a group of its own. A
/// connectionless <see cref="IQueue.Receive"/> skips ready messages whose group already has a delivery
/// out (with an earlier receiver or a consumer), leaving them in place and in order; one receive
/// may take several messages of a group that had nothing out when it started. A group is free
/// again when its last out delivery ends (ack, reject, requeue, visibility expiry, visibility 0):
/// <see cref="MarkBack"/> is the one place. Requeued entries go back to their position, so a
/// group's order holds across returns.
/// </summary>
/// <remarks>
/// Limits: a grouped queue keeps its ready messages in memory (it is never paged, even when
/// durable), and a receive looks at no more than the first <see cref="GroupScanLimit"/>
/// ready entries, so messages behind that many blocked ones wait until the blocks clear. Push
/// consumers and basic.get see plain queue order; their deliveries do block their group for
/// receivers. Messages whose TTL passed are never taken from behind the head; the head sweep
/// drops them when they get there.
/// </remarks>
public sealed partial class MessageQueue
{
    /// <summary>The message header naming a message's group.</summary>
    public const string GroupIdHeader = "x-message-group-id";

    /// <summary>How many ready entries one grouped receive (or long-poll check) looks at, at most: bounds the work under the lock.</summary>
    internal const int GroupScanLimit = 4096;

    /// <summary>Deliveries out per group, on a queue with message groups; a group with none is absent. Lock held.</summary>
    private readonly Dictionary<string, int> _groupsOut = new(StringComparer.Ordinal);
    /// <summary>Groups the current receive started taking (free when it began). Lock held.</summary>
    private readonly HashSet<string> _groupsTaking = new(StringComparer.Ordinal);
    /// <summary>The entries the current grouped receive took from the ready list, reused. Lock held.</summary>
    private readonly List<QueueEntry> _taking = [];
    /// <summary>The clock of the current grouped scan (expired entries are not taken). Lock held.</summary>
    private long _scanNowMs;
    /// <summary><see cref="CanReceiveGrouped"/>, bound once so a scan allocates no delegate.</summary>
    private Predicate<QueueEntry>? _canReceiveGrouped;

    /// <summary>The group of a message entering this queue: null unless the queue has groups and the message names one.</summary>
    private string? GroupOf(Message message)
    {
        if (!Settings.MessageGroups || message.Properties.Headers is not { } headers) return null;
        if (!headers.TryGetValue(GroupIdHeader, out var value)) return null;
        string? group = FieldValue.AsString(value);
        return string.IsNullOrEmpty(group) ? null : group;
    }

    /// <summary>A delivery of <paramref name="group"/> went out. Lock held.</summary>
    private void GroupOut(string group) => CollectionsMarshal.GetValueRefOrAddDefault(_groupsOut, group, out _)++;

    /// <summary>A delivery of <paramref name="group"/> ended; the group is free once none is left. Lock held.</summary>
    private void GroupBack(string group)
    {
        ref int count = ref CollectionsMarshal.GetValueRefOrNullRef(_groupsOut, group);
        Debug.Assert(!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count) && count > 0, "a group came back that had nothing out");
        if (--count == 0) _groupsOut.Remove(group);
    }

    /// <summary>The receive of a grouped queue: the first free entries of the window, the blocked ones left in place. Lock held.</summary>
    private int ReceiveGrouped(int max, long visibleAgainAtMs, long nowMs, List<QueueDelivery> into)
    {
        Debug.Assert(LockIsHeld);
        if (_ready.Count == 0) return 0;
        _scanNowMs = nowMs;
        _ready.TakeFromWindow(_canReceiveGrouped ??= CanReceiveGrouped, max, GroupScanLimit, _taking);
        _groupsTaking.Clear();
        int taken = _taking.Count;
        foreach (var entry in _taking) HandOut(entry, visibleAgainAtMs, nowMs, into);
        _taking.Clear();
        return taken;
    }

    /// <summary>Whether a receive would find something now (long polling): on a grouped queue, a ready entry whose group is free. Lock held.</summary>
    private bool HasReceivable()
    {
        if (_ready.Count == 0) return false;
        if (!Settings.MessageGroups) return true;
        _scanNowMs = NowMs;
        bool any = _ready.AnyInWindow(_canReceiveGrouped ??= CanReceiveGrouped, GroupScanLimit);
        _groupsTaking.Clear();
        return any;
    }

    /// <summary>
    /// Whether the scan may take <paramref name="entry"/>: not expired, and its group free when the
    /// receive began (a group taken earlier in this receive stays takeable, in order). Lock held.
    /// </summary>
    private bool CanReceiveGrouped(QueueEntry entry)
    {
        if (IsExpired(entry, _scanNowMs)) return false;
        if (entry.GroupId is not { } group || _groupsTaking.Contains(group)) return true;
        if (_groupsOut.ContainsKey(group)) return false;
        _groupsTaking.Add(group);
        return true;
    }
}
