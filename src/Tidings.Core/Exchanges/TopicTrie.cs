namespace Tidings.Core.Exchanges;

/// <summary>
/// Topic binding keys indexed word by word. '*' matches exactly one word, '#' zero or more.
/// Words are separated by '.', and may be empty ("a..b" has an empty middle word); the empty
/// key has no words at all, as in RabbitMQ. Not thread-safe: the owner serialises access.
/// </summary>
internal sealed class TopicTrie
{
    private sealed class Node
    {
        /// <summary>Literal words leading on.</summary>
        public Dictionary<string, Node>? Children;
        /// <summary>The '*' branch.</summary>
        public Node? Star;
        /// <summary>The '#' branch.</summary>
        public Node? Hash;
        /// <summary>Bindings whose key ends at this node.</summary>
        public List<Binding>? Bindings;

        public bool IsEmpty => Children is null or { Count: 0 } && Star is null && Hash is null && Bindings is null or { Count: 0 };
    }

    private readonly Node _root = new();

    /// <summary>Number of bindings stored.</summary>
    public int Count { get; private set; }

    public void Add(Binding binding)
    {
        var node = _root;
        foreach (var word in Split(binding.RoutingKey))
        {
            node = word switch
            {
                "*" => node.Star ??= new Node(),
                "#" => node.Hash ??= new Node(),
                _ => GetOrAddChild(node, word),
            };
        }
        (node.Bindings ??= []).Add(binding);
        Count++;
    }

    public void Remove(Binding binding)
    {
        if (RemoveFrom(_root, Split(binding.RoutingKey), 0, binding)) Count--;
    }

    /// <summary>Adds the destination of every binding matching <paramref name="routingKey"/> (duplicates possible).</summary>
    public void Match(string routingKey, List<IBindingDestination> matched)
    {
        Match(_root, Split(routingKey), 0, matched);
    }

    internal static string[] Split(string key) => key.Length == 0 ? [] : key.Split('.');

    private static Node GetOrAddChild(Node node, string word)
    {
        node.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
        if (!node.Children.TryGetValue(word, out var child)) node.Children[word] = child = new Node();
        return child;
    }

    private static void Match(Node node, string[] words, int index, List<IBindingDestination> matched)
    {
        if (node.Hash is { } hash)
        {
            // '#' swallows zero, one, … or all remaining words.
            for (int next = index; next <= words.Length; next++) Match(hash, words, next, matched);
        }
        if (index == words.Length)
        {
            if (node.Bindings is { } bindings)
                foreach (var b in bindings) matched.Add(b.Destination);
            return;
        }
        if (node.Children is { } children && children.TryGetValue(words[index], out var child))
            Match(child, words, index + 1, matched);
        if (node.Star is { } star) Match(star, words, index + 1, matched);
    }

    private static bool RemoveFrom(Node node, string[] words, int index, Binding binding)
    {
        if (index == words.Length) return node.Bindings?.Remove(binding) ?? false;
        string word = words[index];
        Node? child = word switch
        {
            "*" => node.Star,
            "#" => node.Hash,
            _ => node.Children?.GetValueOrDefault(word),
        };
        if (child is null || !RemoveFrom(child, words, index + 1, binding)) return false;
        if (child.IsEmpty)
        {
            // Prune so that many short-lived bindings don't leave a trail of empty nodes.
            if (word == "*") node.Star = null;
            else if (word == "#") node.Hash = null;
            else node.Children!.Remove(word);
        }
        return true;
    }
}
