using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class ConnectInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);
        _server.Broker.AddUser("alice", "secret").SetPermissions("/", Tidings.Core.Security.VhostPermissions.All);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(MqttProtocolVersion.V311, "MQTT 3.1.1")]
    [InlineData(MqttProtocolVersion.V500, "MQTT 5.0")]
    public async Task Good_credentials_connect_and_the_connection_is_listed_with_protocol_and_client_id(MqttProtocolVersion version, string protocol)
    {
        await using var client = await MqttInterop.ConnectAsync(_server, version, "good-" + version, b => b.WithCredentials("guest", "guest"));
        Assert.Equal(MqttClientConnectResultCode.Success, client.Result!.ResultCode);
        var listed = Assert.Single(_server.Broker.Connections, c => Equals(c.ClientProperties?["client_id"], "good-" + version));
        Assert.Equal(protocol, listed.Protocol);
        Assert.Equal("guest", listed.User.Name);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Bad_password_is_refused_with_bad_user_name_or_password(MqttProtocolVersion version)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = MqttInterop.Options(_server, version, "bad").WithCredentials("alice", "wrong").Build();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await RefusalAsync(client, options));
        Assert.DoesNotContain(_server.Broker.Connections, c => Equals(c.ClientProperties?["client_id"], "bad"));
    }

    /// <summary>The CONNACK code of a refused CONNECT (MQTTnet 5 names it in the exception it throws).</summary>
    private static async Task<MqttClientConnectResultCode> RefusalAsync(IMqttClient client, MqttClientOptions options)
    {
        try
        {
            return (await client.ConnectAsync(options)).ResultCode;
        }
        catch (MqttConnectingFailedException e)
        {
            var named = Enum.GetValues<MqttClientConnectResultCode>().Where(code => e.Message.Contains(code.ToString(), StringComparison.Ordinal)).ToList();
            Assert.True(named.Count == 1, e.ToString());
            return named[0];
        }
    }

    [Fact]
    public async Task Vhost_colon_user_picks_the_virtual_host()
    {
        _server.Broker.AddVirtualHost("site");
        _server.Broker.FindUser("alice")!.SetPermissions("site", Tidings.Core.Security.VhostPermissions.All);
        await using var client = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V311, "in-site", b => b.WithCredentials("site:alice", "secret"));
        var listed = Assert.Single(_server.Broker.Connections, c => Equals(c.ClientProperties?["client_id"], "in-site"));
        Assert.Equal("site", listed.VirtualHost.Name);
        Assert.Equal("alice", listed.User.Name);
    }

    [Fact]
    public async Task Anonymous_client_logs_in_as_guest_as_in_RabbitMQ()
    {
        await using var client = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "anonymous");
        Assert.Equal("guest", Assert.Single(_server.Broker.Connections, c => Equals(c.ClientProperties?["client_id"], "anonymous")).User.Name);
    }

    [Fact]
    public async Task Empty_client_id_gets_an_assigned_identifier_in_5()
    {
        await using var client = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "");
        Assert.False(string.IsNullOrEmpty(client.Result!.AssignedClientIdentifier));
    }

    [Fact]
    public async Task Connack_in_5_advertises_what_the_server_supports()
    {
        await using var client = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "caps");
        var result = client.Result!;
        Assert.True(result.RetainAvailable);
        Assert.True(result.WildcardSubscriptionAvailable);
        Assert.True(result.SharedSubscriptionAvailable);
        Assert.True(result.SubscriptionIdentifiersAvailable);
        Assert.Equal(16, result.TopicAliasMaximum);
        Assert.Equal((ushort)1024, result.ReceiveMaximum);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_second_connection_with_the_same_client_id_takes_over(MqttProtocolVersion version)
    {
        await using var first = await MqttInterop.ConnectAsync(_server, version, "twin-" + version);
        await using var second = await MqttInterop.ConnectAsync(_server, version, "twin-" + version);
        await Eventually.TrueAsync(() => !first.Client.IsConnected, "the first connection is closed");
        Assert.True(second.Client.IsConnected);
        if (version == MqttProtocolVersion.V500)
        {
            await Eventually.TrueAsync(() => !first.Disconnects.IsEmpty, "the first client saw the disconnect");
            Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, Assert.Single(first.Disconnects).Reason);
        }
        await Eventually.TrueAsync(() => _server.Broker.Connections.Count(c => Equals(c.ClientProperties?["client_id"], "twin-" + version)) == 1,
            "one connection for the client id");
    }
}
