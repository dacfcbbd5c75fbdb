using System.Net;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Tidings.Core.Security;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>Signature V4 against configured access keys, mapped to Tidings users whose permissions apply (AWSSDK.SQS signs).</summary>
public sealed class CredentialsTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestBrokerServer.StartWithSqsAsync(o =>
        {
            o.AccessKeys.Add(new SqsAccessKey { AccessKeyId = "AKIDALICE", SecretAccessKey = "alice-secret", User = "alice" });
            o.AccessKeys.Add(new SqsAccessKey { AccessKeyId = "AKIDREADER", SecretAccessKey = "reader-secret", User = "reader" });
            // Off: an unknown key is refused even from loopback.
            o.LoopbackUser = "";
        });
        _server.Broker.AddUser("alice", "pw").SetPermissions("/", VhostPermissions.All);
        _server.Broker.AddUser("reader", "pw").SetPermissions("/", new VhostPermissions("^$", "^$", ".*"));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private AmazonSQSClient Client(string key, string secret) => SqsClients.For(_server, key, secret);

    [Fact]
    public async Task A_valid_signature_acts_as_the_mapped_user()
    {
        using var alice = Client("AKIDALICE", "alice-secret");
        var url = (await alice.CreateQueueAsync("signed")).QueueUrl;
        await alice.SendMessageAsync(url, "hello");
        var message = Assert.Single((await alice.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MessageSystemAttributeNames = ["SenderId"] })).Messages);
        Assert.Equal("alice", message.Attributes["SenderId"]);
    }

    [Fact]
    public async Task A_wrong_secret_is_SignatureDoesNotMatch()
    {
        using var wrong = Client("AKIDALICE", "not-the-secret");
        var e = await Assert.ThrowsAsync<AmazonSQSException>(() => wrong.ListQueuesAsync(new ListQueuesRequest()));
        Assert.Equal("SignatureDoesNotMatch", e.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
    }

    [Fact]
    public async Task An_unknown_key_is_InvalidClientTokenId_when_the_loopback_user_is_off()
    {
        using var stranger = Client("AKIDNOBODY", "whatever");
        var e = await Assert.ThrowsAsync<AmazonSQSException>(() => stranger.ListQueuesAsync(new ListQueuesRequest()));
        Assert.Equal("InvalidClientTokenId", e.ErrorCode);
    }

    [Fact]
    public async Task The_mapped_users_permissions_apply()
    {
        using var alice = Client("AKIDALICE", "alice-secret");
        var url = (await alice.CreateQueueAsync("guarded")).QueueUrl;
        await alice.SendMessageAsync(url, "for readers");
        using var reader = Client("AKIDREADER", "reader-secret");
        var denied = await Assert.ThrowsAsync<AmazonSQSException>(() => reader.SendMessageAsync(url, "not allowed"));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        await Assert.ThrowsAsync<AmazonSQSException>(() => reader.CreateQueueAsync("mine"));
        Assert.Equal("for readers", Assert.Single((await reader.ReceiveMessageAsync(url)).Messages).Body);
    }

    [Fact]
    public async Task An_unsigned_request_is_MissingAuthenticationToken()
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(_server.SqsEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Action"] = "ListQueues",
            ["Version"] = "2012-11-05",
        }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>MissingAuthenticationToken</Code>", await response.Content.ReadAsStringAsync());
    }
}
