using System.Net;
using Tidings.Connections.Listeners;

namespace Tidings.Connections.Tests;

public sealed class ListenerRegistryTests
{
    [Theory]
    [InlineData("amqp", false, "amqp")]
    [InlineData("amqp", true, "amqp/ssl")]
    [InlineData("http", false, "http")]
    [InlineData("http", true, "https")]
    [InlineData("mqtt", true, "mqtt/ssl")]
    public void Listeners_carry_the_protocol_name_RabbitMQs_management_api_gives_them(string protocol, bool tls, string name)
    {
        Assert.Equal(name, new ListenerInfo(protocol, tls, new IPEndPoint(IPAddress.Loopback, 1)).ManagementName);
    }

    [Fact]
    public void Addresses_are_read_when_listed_and_unbound_listeners_are_left_out()
    {
        var registry = new ListenerRegistry();
        EndPoint? amqps = null;
        registry.Add("amqp", "amqp", tls: false, () => new IPEndPoint(IPAddress.Loopback, 5672));
        registry.Add("amqps", "amqp", tls: true, () => amqps);

        Assert.Equal(["amqp"], registry.Bound().Select(l => l.ManagementName));
        Assert.Null(registry.Find("amqps"));

        amqps = new IPEndPoint(IPAddress.Loopback, 5671); // as Kestrel rewrites port 0 once bound
        Assert.Equal(["amqp", "amqp/ssl"], registry.Bound().Select(l => l.ManagementName));
        Assert.Equal(5671, registry.Find("amqps")?.Port);
    }

    [Fact]
    public void Adding_a_name_again_replaces_its_entry()
    {
        var registry = new ListenerRegistry();
        registry.Add("http", "http", tls: false, () => new IPEndPoint(IPAddress.Loopback, 15672));
        registry.Add("http", "http", tls: true, () => new IPEndPoint(IPAddress.Loopback, 15672));

        Assert.Equal("https", Assert.Single(registry.Bound()).ManagementName);
    }
}
