using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Exchanges;

/// <summary>
/// Topic exchange matching as RabbitMQ 3.x defines it: words split on '.', may be empty,
/// '*' is exactly one word, '#' zero or more, and the empty key has no words at all.
/// Each case binds one queue with the pattern and publishes one message.
/// </summary>
public sealed class TopicMatchingTests : IDisposable
{
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker = new(new BrokerOptions(), new ManualTimeProvider());

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    /// <summary>True when a message with <paramref name="routingKey"/> reaches a queue bound with <paramref name="pattern"/>.</summary>
    private bool Matches(string pattern, string routingKey)
    {
        VHost.DeclareExchange("t", "topic");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "t", pattern);
        var result = VHost.Publish("t", routingKey, "m");
        int count = VHost.PurgeQueue("q");
        // Each check starts from an exchange without bindings.
        VHost.DeleteExchange("t");
        Assert.Equal(result.Unroutable, count == 0);
        return count == 1;
    }

    [Theory]
    [InlineData("a.*", "a.b", true)]
    [InlineData("a.*", "a", false)]
    [InlineData("a.*", "a.b.c", false)]
    [InlineData("*", "a", true)]
    [InlineData("*", "", false)]
    [InlineData("*", "a.b", false)]
    [InlineData("*.*", "a.b", true)]
    [InlineData("*.*", "a", false)]
    [InlineData("*.b.*", "a.b.c", true)]
    [InlineData("*.b.*", "b.c", false)]
    public void Star_matches_exactly_one_word(string pattern, string routingKey, bool expected) =>
        Assert.Equal(expected, Matches(pattern, routingKey));

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a.b.c")]
    [InlineData(".")]
    [InlineData("a..b")]
    public void Hash_alone_matches_every_routing_key_including_the_empty_one(string routingKey) =>
        Assert.True(Matches("#", routingKey));

    [Theory]
    [InlineData("a.#", "a", true)]
    [InlineData("a.#", "a.b", true)]
    [InlineData("a.#", "a.b.c", true)]
    [InlineData("a.#", "b.a", false)]
    [InlineData("a.#", "", false)]
    [InlineData("#.b", "b", true)]
    [InlineData("#.b", "a.b", true)]
    [InlineData("#.b", "x.y.b", true)]
    [InlineData("#.b", "b.a", false)]
    [InlineData("a.#.b", "a.b", true)]
    [InlineData("a.#.b", "a.x.b", true)]
    [InlineData("a.#.b", "a.x.y.b", true)]
    [InlineData("a.#.b", "a.x.y", false)]
    [InlineData("a.#.b", "x.a.b", false)]
    [InlineData("a.#.b", "a", false)]
    [InlineData("a.#.b", "a.b.b", true)]
    public void Hash_matches_zero_or_more_words(string pattern, string routingKey, bool expected) =>
        Assert.Equal(expected, Matches(pattern, routingKey));

    [Theory]
    [InlineData("a.*.#", "a", false)]
    [InlineData("a.*.#", "a.b", true)]
    [InlineData("a.*.#", "a.b.c.d", true)]
    [InlineData("#.*", "", false)]
    [InlineData("#.*", "a", true)]
    [InlineData("#.*", "a.b.c", true)]
    [InlineData("*.#.*", "a", false)]
    [InlineData("*.#.*", "a.b", true)]
    public void Hash_followed_or_preceded_by_star_still_needs_the_star_word(string pattern, string routingKey, bool expected) =>
        Assert.Equal(expected, Matches(pattern, routingKey));

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a.b.c.d")]
    public void Double_hash_matches_like_a_single_hash(string routingKey) =>
        Assert.True(Matches("#.#", routingKey));

    [Theory]
    [InlineData("a..b", "a..b", true)]
    [InlineData("a.*.b", "a..b", true)]
    [InlineData("a.b", "a..b", false)]
    [InlineData("a.*", "a.", true)]
    [InlineData("*", ".", false)]
    [InlineData("*.*", ".", true)]
    [InlineData("a.#.b", "a..b", true)]
    [InlineData("a.", "a", false)]
    public void Empty_words_are_words(string pattern, string routingKey, bool expected) =>
        Assert.Equal(expected, Matches(pattern, routingKey));

    [Theory]
    [InlineData("", true)]
    [InlineData("a", false)]
    [InlineData(".", false)]
    public void Empty_binding_key_matches_only_the_empty_routing_key(string routingKey, bool expected) =>
        Assert.Equal(expected, Matches("", routingKey));

    [Theory]
    [InlineData("a.b", "a.b", true)]
    [InlineData("a.b", "a.B", false)]
    [InlineData("a.b", "a.b.c", false)]
    [InlineData("a.b.c", "a.b", false)]
    public void Words_without_wildcards_match_exactly_and_case_sensitively(string pattern, string routingKey, bool expected) =>
        Assert.Equal(expected, Matches(pattern, routingKey));

    [Fact]
    public void Queue_bound_with_several_matching_keys_gets_one_copy()
    {
        VHost.DeclareExchange("t", "topic");
        VHost.DeclareQueue("q");
        foreach (var pattern in new[] { "#", "a.*", "a.b", "*.b", "a.#.b", "#.#" }) VHost.BindQueue("q", "t", pattern);

        var result = VHost.Publish("t", "a.b", "m");

        Assert.Equal(1, result.RoutedQueues);
        Assert.Equal(1, VHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public void Binding_the_same_key_twice_is_one_binding()
    {
        VHost.DeclareExchange("t", "topic");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "t", "a.*");
        VHost.BindQueue("q", "t", "a.*");

        VHost.UnbindQueue("q", "t", "a.*");

        Assert.True(VHost.Publish("t", "a.b", "m").Unroutable);
    }

    [Fact]
    public void Unbinding_stops_matching_and_leaves_the_other_bindings_working()
    {
        VHost.DeclareExchange("t", "topic");
        VHost.DeclareQueue("q1");
        VHost.DeclareQueue("q2");
        VHost.BindQueue("q1", "t", "a.#");
        VHost.BindQueue("q2", "t", "a.#");
        Assert.Equal(2, VHost.Publish("t", "a.b", "m").RoutedQueues);

        VHost.UnbindQueue("q1", "t", "a.#");

        Assert.Equal(1, VHost.Publish("t", "a.b", "m").RoutedQueues);
        Assert.Equal(1, VHost.FindQueue("q1")!.MessageCount);
        Assert.Equal(2, VHost.FindQueue("q2")!.MessageCount);
    }

    [Fact]
    public void Cc_header_routes_through_the_topic_patterns_too()
    {
        VHost.DeclareExchange("t", "topic");
        VHost.DeclareQueue("orders");
        VHost.DeclareQueue("audit");
        VHost.BindQueue("orders", "t", "order.*");
        VHost.BindQueue("audit", "t", "audit.#");
        var properties = new Messages.MessageProperties
        {
            Headers = TestMessages.Table(("CC", new List<object?> { "audit.order.created" })),
        };

        var result = VHost.Publish("t", "order.created", properties, TestMessages.Body("m"));

        Assert.Equal(2, result.RoutedQueues);
    }

    [Fact]
    public void One_hundred_thousand_bindings_route_each_key_to_exactly_the_right_queues()
    {
        const int queues = 100;
        const int keysPerQueue = 1000;
        VHost.DeclareExchange("t", "topic");
        for (int q = 0; q < queues; q++)
        {
            VHost.DeclareQueue($"q{q}");
            for (int k = 0; k < keysPerQueue; k++)
            {
                // A mix of literal, '*' and '#' patterns, all distinct.
                string pattern = (k % 3) switch
                {
                    0 => $"s{k}.q{q}.leaf",
                    1 => $"s{k}.*.q{q}",
                    _ => $"s{k}.q{q}.#",
                };
                VHost.BindQueue($"q{q}", "t", pattern);
            }
        }
        Assert.Equal(queues * keysPerQueue, VHost.FindExchange("t")!.Bindings.Count);

        // "s{k}.q{q}.leaf" matches q{q} by the literal pattern (k % 3 == 0) or the '#' one (k % 3 == 2).
        Assert.Equal(1, VHost.Publish("t", "s0.q7.leaf", "m").RoutedQueues);
        Assert.Equal(1, VHost.Publish("t", "s2.q7.leaf", "m").RoutedQueues);
        Assert.True(VHost.Publish("t", "s1.q7.leaf", "m").Unroutable);
        // "s{k}.x.q{q}" matches only the '*' pattern, and only for k % 3 == 1.
        Assert.Equal(1, VHost.Publish("t", "s1.anything.q42", "m").RoutedQueues);
        Assert.True(VHost.Publish("t", "s3.anything.q42", "m").Unroutable);
        Assert.Equal(2, VHost.FindQueue("q7")!.MessageCount);
        Assert.Equal(1, VHost.FindQueue("q42")!.MessageCount);
        Assert.Equal(3, VHost.Queues.Sum(q => q.MessageCount));
    }
}
