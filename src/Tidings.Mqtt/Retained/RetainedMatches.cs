using System.Collections;
using System.Runtime.InteropServices;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// The retained messages matching one filter, found lazily (see <see cref="RetainedStore.Match"/>).
/// Each <see cref="GetEnumerator"/> starts a new walk.
/// </summary>
public sealed class RetainedMatches : IEnumerable<RetainedMessage>
{
    // The store walked and the filter's levels (fixed).
    private readonly RetainedStore _store;
    private readonly string[] _levels;

    internal RetainedMatches(RetainedStore store, string[] levels)
    {
        _store = store;
        _levels = levels;
    }

    /// <summary>Starts a walk; keep the enumerator to resume sending later.</summary>
    public RetainedMatchEnumerator GetEnumerator() => new(_store, _levels);

    IEnumerator<RetainedMessage> IEnumerable<RetainedMessage>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A resumable depth-first walk of the topic trie for one filter. It holds one frame per level on
/// the current path (each with its own child enumerator), never a list of matches, so memory is
/// O(filter depth + topic depth) whatever the store holds. Not thread-safe itself; the store may
/// change while it walks (see <see cref="RetainedStore.Match"/>).
/// </summary>
public sealed class RetainedMatchEnumerator : IEnumerator<RetainedMessage>
{
    // The store (for the clock and dropping expired entries) and the filter's levels (fixed).
    private readonly RetainedStore _store;
    private readonly string[] _levels;
    // Expiry is judged against one instant for the whole walk (fixed).
    private readonly DateTimeOffset _now;
    // The path being walked; the last frame is the current node.
    private readonly List<Frame> _frames = [];
    // The message last yielded.
    private RetainedMessage? _current;

    internal RetainedMatchEnumerator(RetainedStore store, string[] levels)
    {
        _store = store;
        _levels = levels;
        _now = store.TimeProvider.GetUtcNow();
        _frames.Add(new Frame(store.Root, 0, subtree: false));
    }

    /// <summary>Trie nodes entered so far: proof that a narrow filter walks only its part of the trie.</summary>
    public long NodesVisited { get; private set; }

    /// <inheritdoc/>
    public RetainedMessage Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true");

    object IEnumerator.Current => Current;

    /// <inheritdoc/>
    public bool MoveNext()
    {
        while (_frames.Count > 0)
        {
            ref var frame = ref CollectionsMarshal.AsSpan(_frames)[^1];
            if (!frame.Entered)
            {
                frame.Entered = true;
                NodesVisited++;
                var entry = Enter(ref frame);
                if (entry is not null)
                {
                    if (!entry.Message.IsExpired(_now))
                    {
                        _current = entry.Message;
                        return true;
                    }

                    _store.DropExpired(frame.Node, entry);
                }

                continue;
            }

            if (NextChild(ref frame) is { } next)
            {
                _frames.Add(next);
            }
            else
            {
                frame.Children?.Dispose();
                _frames.RemoveAt(_frames.Count - 1);
            }
        }

        _current = null;
        return false;
    }

    /// <inheritdoc/>
    public void Reset() => throw new NotSupportedException();

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var frame in _frames)
        {
            frame.Children?.Dispose();
        }

        _frames.Clear();
    }

    /// <summary>
    /// What a newly entered node yields: in a <c>#</c> subtree, its entry; on the filter's path, its
    /// entry when the filter ends here or only <c>#</c> is left (<c>foo/#</c> matches <c>foo</c>).
    /// The root is no topic, so a bare <c>#</c> yields nothing there.
    /// </summary>
    private RetainedEntry? Enter(ref Frame frame)
    {
        if (frame.Subtree || frame.Depth == _levels.Length)
        {
            return frame.Node.Entry;
        }

        return frame.Depth > 0 && _levels[frame.Depth] is "#" ? frame.Node.Entry : null;
    }

    /// <summary>The next child frame to walk below <paramref name="frame"/>, or null when its children are done.</summary>
    private Frame? NextChild(ref Frame frame)
    {
        if (!frame.Subtree && frame.Depth == _levels.Length)
        {
            return null;
        }

        string? level = frame.Subtree ? null : _levels[frame.Depth];
        if (level is not (null or "+" or "#"))
        {
            // A literal level: one dictionary step, no enumeration of siblings.
            if (frame.LiteralDone)
            {
                return null;
            }

            frame.LiteralDone = true;
            return frame.Node.Child(level) is { } child ? new Frame(child, frame.Depth + 1, subtree: false) : null;
        }

        frame.Children ??= frame.Node.Children?.GetEnumerator();
        if (frame.Children is null)
        {
            return null;
        }

        // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match topics starting with '$'.
        bool skipDollar = !frame.Subtree && frame.Depth == 0;
        while (frame.Children.MoveNext())
        {
            var child = frame.Children.Current.Value;
            if (skipDollar && child.Level.StartsWith('$'))
            {
                continue;
            }

            return level is "+"
                ? new Frame(child, frame.Depth + 1, subtree: false)
                : new Frame(child, frame.Depth + 1, subtree: true);
        }

        return null;
    }

    private struct Frame(RetainedNode node, int depth, bool subtree)
    {
        public readonly RetainedNode Node = node;
        public readonly int Depth = depth;
        public readonly bool Subtree = subtree;
        public bool Entered;
        public IEnumerator<KeyValuePair<string, RetainedNode>>? Children;
        public bool LiteralDone;
    }
}
