using Tidings.Core.Messages;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Exchanges;

/// <summary>
/// Headers exchange matching as RabbitMQ 3.x defines it: x-match all (default) / any, the
/// -with-x variants that also compare "x-" arguments, void values meaning "present",
/// and values compared by type class (every integer width is the same class).
/// </summary>
public sealed class HeadersMatchingTests : IDisposable
{
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker = new(new BrokerOptions(), new ManualTimeProvider());

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    /// <summary>True when a message with <paramref name="headers"/> reaches a queue bound with <paramref name="bindingArguments"/>.</summary>
    private bool Matches(Dictionary<string, object?>? bindingArguments, Dictionary<string, object?>? headers)
    {
        VHost.DeclareExchange("h", "headers");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "h", "", bindingArguments);
        var result = VHost.Publish("h", "ignored", new MessageProperties { Headers = headers is null ? null : MessageHeaders.From(headers) }, TestMessages.Body("m"));
        int count = VHost.PurgeQueue("q");
        // Each check starts from an exchange without bindings.
        VHost.DeleteExchange("h");
        Assert.Equal(result.Unroutable, count == 0);
        return count == 1;
    }

    private static Dictionary<string, object?> T(params (string, object?)[] entries) => TestMessages.Table(entries);

    [Fact]
    public void All_requires_every_argument_to_match()
    {
        var binding = T(("x-match", "all"), ("format", "pdf"), ("type", "report"));

        Assert.True(Matches(binding, T(("format", "pdf"), ("type", "report"))));
        Assert.True(Matches(binding, T(("format", "pdf"), ("type", "report"), ("extra", 1))));
        Assert.False(Matches(binding, T(("format", "pdf"), ("type", "log"))));
        Assert.False(Matches(binding, T(("format", "pdf"))));
        Assert.False(Matches(binding, null));
    }

    [Fact]
    public void Without_x_match_the_rule_is_all()
    {
        var binding = T(("format", "pdf"), ("type", "report"));

        Assert.True(Matches(binding, T(("format", "pdf"), ("type", "report"))));
        Assert.False(Matches(binding, T(("format", "pdf"))));
    }

    [Fact]
    public void Any_requires_at_least_one_argument_to_match()
    {
        var binding = T(("x-match", "any"), ("format", "pdf"), ("type", "report"));

        Assert.True(Matches(binding, T(("format", "pdf"))));
        Assert.True(Matches(binding, T(("type", "report"), ("format", "zip"))));
        Assert.False(Matches(binding, T(("format", "zip"), ("type", "log"))));
        Assert.False(Matches(binding, T(("other", "pdf"))));
        Assert.False(Matches(binding, null));
    }

    [Fact]
    public void All_and_any_ignore_arguments_starting_with_x()
    {
        Assert.True(Matches(T(("x-match", "all"), ("a", 1), ("x-tenant", "t1")), T(("a", 1))));
        Assert.False(Matches(T(("x-match", "any"), ("x-tenant", "t1")), T(("x-tenant", "t1"))));
    }

    [Fact]
    public void All_with_x_also_compares_arguments_starting_with_x()
    {
        var binding = T(("x-match", "all-with-x"), ("a", 1), ("x-tenant", "t1"));

        Assert.True(Matches(binding, T(("a", 1), ("x-tenant", "t1"))));
        Assert.False(Matches(binding, T(("a", 1))));
        Assert.False(Matches(binding, T(("a", 1), ("x-tenant", "t2"))));
    }

    [Fact]
    public void Any_with_x_matches_on_an_argument_starting_with_x_alone()
    {
        var binding = T(("x-match", "any-with-x"), ("a", 1), ("x-tenant", "t1"));

        Assert.True(Matches(binding, T(("x-tenant", "t1"))));
        Assert.True(Matches(binding, T(("a", 1))));
        Assert.False(Matches(binding, T(("x-tenant", "t2"), ("a", 2))));
    }

    [Fact]
    public void Void_binding_value_requires_only_that_the_header_is_present()
    {
        var binding = T(("x-match", "all"), ("trace", null));

        Assert.True(Matches(binding, T(("trace", "anything"))));
        Assert.True(Matches(binding, T(("trace", 42))));
        Assert.True(Matches(binding, T(("trace", null))));
        Assert.False(Matches(binding, T(("other", "x"))));
    }

    [Fact]
    public void Void_header_value_does_not_match_a_binding_value()
    {
        Assert.False(Matches(T(("trace", "on")), T(("trace", null))));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData((short)1)]
    [InlineData((sbyte)1)]
    [InlineData((byte)1)]
    [InlineData(1u)]
    [InlineData((ushort)1)]
    public void Integers_of_different_widths_compare_by_value(object headerValue)
    {
        Assert.True(Matches(T(("n", 1)), T(("n", headerValue))));
        Assert.False(Matches(T(("n", 2)), T(("n", headerValue))));
    }

    [Fact]
    public void Values_of_different_type_classes_do_not_match()
    {
        Assert.False(Matches(T(("n", 1)), T(("n", "1"))));
        Assert.False(Matches(T(("n", 1)), T(("n", 1.0))));
        Assert.False(Matches(T(("flag", true)), T(("flag", 1))));
        Assert.True(Matches(T(("ratio", 0.5)), T(("ratio", 0.5f))));
    }

    [Fact]
    public void String_values_match_case_sensitively()
    {
        Assert.True(Matches(T(("format", "pdf")), T(("format", "pdf"))));
        Assert.False(Matches(T(("format", "pdf")), T(("format", "PDF"))));
    }

    [Fact]
    public void Missing_headers_fail_all_and_do_not_count_for_any()
    {
        Assert.False(Matches(T(("x-match", "all"), ("a", 1), ("b", 2)), T(("a", 1))));
        Assert.True(Matches(T(("x-match", "any"), ("a", 1), ("b", 2)), T(("a", 1))));
        Assert.False(Matches(T(("x-match", "all"), ("a", 1)), null));
        Assert.False(Matches(T(("x-match", "all"), ("a", 1)), []));
    }

    [Fact]
    public void Any_with_no_other_arguments_matches_nothing()
    {
        Assert.False(Matches(T(("x-match", "any")), T(("a", 1))));
        Assert.False(Matches(T(("x-match", "any")), null));
    }

    [Fact]
    public void All_with_no_other_arguments_matches_everything()
    {
        Assert.True(Matches(T(("x-match", "all")), T(("a", 1))));
        Assert.True(Matches(T(("x-match", "all")), null));
        Assert.True(Matches(null, null));
    }

    [Theory]
    [InlineData("all or any I don't mind")]
    [InlineData("ALL")]
    [InlineData(23)]
    [InlineData(true)]
    public void Binding_with_an_unknown_x_match_is_refused_with_precondition_failed(object mode)
    {
        VHost.DeclareQueue("q");

        var error = Assert.Throws<BrokerException>(() => VHost.BindQueue("q", "amq.headers", "", T(("x-match", mode), ("a", 1))));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains("x-match", error.Message);
        Assert.Empty(VHost.FindExchange("amq.headers")!.Bindings);
        Assert.True(VHost.Publish("amq.headers", "", new MessageProperties { Headers = T(("a", 1)) }, TestMessages.Body("m")).Unroutable);
    }

    [Fact]
    public void Headers_exchange_ignores_the_routing_key()
    {
        VHost.DeclareExchange("h", "headers");
        VHost.DeclareQueue("q");
        VHost.BindQueue("q", "h", "some-key", T(("a", 1)));

        var result = VHost.Publish("h", "another-key", new MessageProperties { Headers = T(("a", 1)) }, TestMessages.Body("m"));

        Assert.False(result.Unroutable);
    }

    [Fact]
    public void Predeclared_amq_match_and_amq_headers_route_by_headers()
    {
        VHost.DeclareQueue("q1");
        VHost.DeclareQueue("q2");
        VHost.BindQueue("q1", "amq.match", "", T(("a", 1)));
        VHost.BindQueue("q2", "amq.headers", "", T(("a", 1)));
        var properties = new MessageProperties { Headers = T(("a", 1)) };

        Assert.Equal(1, VHost.Publish("amq.match", "", properties, TestMessages.Body("m")).RoutedQueues);
        Assert.Equal(1, VHost.Publish("amq.headers", "", properties, TestMessages.Body("m")).RoutedQueues);
    }
}
