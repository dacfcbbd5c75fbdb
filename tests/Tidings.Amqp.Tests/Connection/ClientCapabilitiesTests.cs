using Tidings.Amqp.Connection;

namespace Tidings.Amqp.Tests.Connection;

public sealed class ClientCapabilitiesTests
{
    [Fact]
    public void Only_capabilities_set_to_true_count()
    {
        var properties = new Dictionary<string, object?>
        {
            ["capabilities"] = new Dictionary<string, object?>
            {
                ["consumer_cancel_notify"] = true,
                ["connection.blocked"] = false,
                ["authentication_failure_close"] = "true", // a string is not a boolean
                ["publisher_confirms"] = true,
            },
        };

        Assert.Equal(ClientCapabilities.ConsumerCancelNotify, ClientCapabilitiesTable.Parse(properties));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not a table")]
    public void Without_a_capabilities_table_the_client_has_none(object? capabilities)
    {
        var properties = new Dictionary<string, object?> { ["capabilities"] = capabilities };

        Assert.Equal(ClientCapabilities.None, ClientCapabilitiesTable.Parse(properties));
        Assert.Equal(ClientCapabilities.None, ClientCapabilitiesTable.Parse(null));
    }
}
