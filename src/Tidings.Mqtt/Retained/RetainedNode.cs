using System.Collections.Concurrent;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// One level of the topic trie: <c>a/b</c> is the root's child "a", then its child "b". Lookups read
/// it without a lock (children are a ConcurrentDictionary, whose enumeration tolerates concurrent
/// change; the entry is a volatile reference to an immutable value); only the store's writers, under
/// its lock, change it.
/// </summary>
internal sealed class RetainedNode(RetainedNode? parent, string level)
{
    /// <summary>The node one level up; null for the root (fixed).</summary>
    public RetainedNode? Parent { get; } = parent;
    /// <summary>This level's text; empty levels are real ("/a" starts with ""). Empty for the root (fixed).</summary>
    public string Level { get; } = level;
    // Child levels; null until the first child (written under the store's lock, read by anyone).
    private volatile ConcurrentDictionary<string, RetainedNode>? _children;
    // The retained message of the topic ending at this level, or null (written under the store's lock).
    private volatile RetainedEntry? _entry;

    /// <summary>The child levels, or null when there are none yet.</summary>
    public ConcurrentDictionary<string, RetainedNode>? Children => _children;

    /// <summary>The message retained for the topic ending here, or null.</summary>
    public RetainedEntry? Entry
    {
        get => _entry;
        set => _entry = value;
    }

    /// <summary>True when nothing is retained here or below, so the node can be pruned (caller holds the store's lock).</summary>
    public bool IsEmpty => _entry is null && (_children is null || _children.IsEmpty);

    /// <summary>The child for <paramref name="level"/>, or null.</summary>
    public RetainedNode? Child(string level) =>
        _children is { } children && children.TryGetValue(level, out var child) ? child : null;

    /// <summary>The child for <paramref name="level"/>, created if missing (caller holds the store's lock).</summary>
    public RetainedNode GetOrAddChild(string level)
    {
        // Writers are serialised by the store's lock, so one concurrency slot is enough.
        var children = _children ??= new ConcurrentDictionary<string, RetainedNode>(1, 2, StringComparer.Ordinal);
        if (!children.TryGetValue(level, out var child))
        {
            child = new RetainedNode(this, level);
            children[level] = child;
        }

        return child;
    }

    /// <summary>Removes the child <paramref name="level"/> (caller holds the store's lock).</summary>
    public void RemoveChild(string level) => _children?.TryRemove(level, out _);
}

/// <summary>A retained message with what the store counts for it: its log record size and its <see cref="RetainedMessage.Size"/>.</summary>
internal sealed record RetainedEntry(RetainedMessage Message, int RecordBytes, long Size);
