namespace Tidings.Core.Tests.Metrics;

public sealed class MetricRegistryTests
{
    [Fact]
    public void A_counter_registered_twice_is_one_counter()
    {
        var registry = new MetricRegistry();
        var first = registry.Counter("tidings_x_total", "X.");
        var second = registry.Counter("tidings_x_total", "X again.");
        first.Increment();
        second.Add(2);

        Assert.Same(first, second);
        var metric = Assert.Single(registry.All);
        Assert.Equal(("tidings_x_total", "counter", "X."), (metric.Name, metric.Type, metric.Help));
        Assert.Equal(3, metric.Read());
    }

    [Fact]
    public void A_gauge_registered_twice_keeps_the_first_reader()
    {
        var registry = new MetricRegistry();
        registry.Gauge("tidings_level", "Level.", () => 1);
        registry.Gauge("tidings_level", "Level.", () => 2);

        Assert.Equal(1, Assert.Single(registry.All).Read());
    }

    [Fact]
    public void Metrics_are_listed_in_registration_order()
    {
        var registry = new MetricRegistry();
        registry.Gauge("tidings_b", "B.", () => 0);
        registry.Counter("tidings_a_total", "A.");

        Assert.Equal(["tidings_b", "tidings_a_total"], registry.All.Select(m => m.Name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1tidings")]
    [InlineData("tidings-dash")]
    [InlineData("tidings x")]
    [InlineData("tidings_ünï")]
    public void Names_that_are_not_Prometheus_names_are_refused(string name)
    {
        var registry = new MetricRegistry();
        Assert.ThrowsAny<ArgumentException>(() => registry.Counter(name, "Bad."));
        Assert.ThrowsAny<ArgumentException>(() => registry.Gauge(name, "Bad.", () => 0));
        Assert.Empty(registry.All);
    }

    [Fact]
    public void A_name_is_either_a_counter_or_a_gauge()
    {
        var registry = new MetricRegistry();
        registry.Counter("tidings_c_total", "C.");
        registry.Gauge("tidings_g", "G.", () => 0);

        Assert.Throws<ArgumentException>(() => registry.Gauge("tidings_c_total", "C.", () => 0));
        Assert.Throws<ArgumentException>(() => registry.Counter("tidings_g", "G."));
    }

    [Fact]
    public void A_counter_does_not_go_down()
    {
        var counter = new MetricRegistry().Counter("tidings_c_total", "C.");
        Assert.Throws<ArgumentOutOfRangeException>(() => counter.Add(-1));
        Assert.Equal(0, counter.Value);
    }
}
