using System.Net;
using System.Text.Json;
using Tidings.Core.Messages;

namespace Tidings.Http.Tests.Messaging;

/// <summary>The HTTP JSON column of docs/MESSAGES.md's conversion table, row by row, read over the REST get.</summary>
public sealed class MessageConversionTests
{
    [Fact]
    public async Task A_neutral_message_is_shown_by_the_REST_get_as_the_conversion_table_says()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("work");
        vhost.Publish("", "work", new MessageProperties
        {
            Durable = false,
            Priority = 3,
            TimeToLiveMs = 90_000,
            TimestampMs = 1_700_000_000_999,
            ContentType = "text/plain",
            ContentEncoding = "utf-8",
            CorrelationId = "corr",
            CorrelationData = null,
            ReplyTo = "replies",
            MessageId = "m-1",
            Type = "t",
            UserId = "guest",
            AppId = "app",
            Headers = new MessageHeaders([
                new("tag", "first"),
                new("tag", "second"),
                new("n", 7),
                new("when", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_999)),
                new("raw", new byte[] { 1, 2, 3 }),
                new("reading", new AttributeValue("Number.float", "21.5")),
                new("nested", new Dictionary<string, object?> { ["deep"] = true }),
            ]),
        }, "hello"u8.ToArray());
        using var client = server.Client();

        using var response = await Rest.PostAsync(client, "/api/rest/vhosts/%2F/queues/work/get", new { ack = "auto" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = (await Rest.JsonAsync(response)).GetProperty("messages")[0];
        var p = message.GetProperty("properties");
        Assert.Equal(1, p.GetProperty("delivery_mode").GetInt32());
        Assert.Equal(3, p.GetProperty("priority").GetInt32());
        Assert.Equal("90000", p.GetProperty("expiration").GetString());
        Assert.Equal(1_700_000_000, p.GetProperty("timestamp").GetInt64());
        Assert.Equal("text/plain", p.GetProperty("content_type").GetString());
        Assert.Equal("utf-8", p.GetProperty("content_encoding").GetString());
        Assert.Equal("corr", p.GetProperty("correlation_id").GetString());
        Assert.Equal("replies", p.GetProperty("reply_to").GetString());
        Assert.Equal("m-1", p.GetProperty("message_id").GetString());
        Assert.Equal("t", p.GetProperty("type").GetString());
        Assert.Equal("guest", p.GetProperty("user_id").GetString());
        Assert.Equal("app", p.GetProperty("app_id").GetString());
        Assert.False(p.TryGetProperty("cluster_id", out _));

        var headers = p.GetProperty("headers");
        Assert.Equal("first", headers.GetProperty("tag").GetString());
        Assert.Equal(7, headers.GetProperty("n").GetInt32());
        Assert.Equal(1_700_000_000, headers.GetProperty("when").GetInt64());
        Assert.Equal(new byte[] { 1, 2, 3 }, headers.GetProperty("raw").GetBytesFromBase64());
        Assert.Equal("21.5", headers.GetProperty("reading").GetString());
        Assert.True(headers.GetProperty("nested").GetProperty("deep").GetBoolean());
        Assert.Equal(JsonValueKind.String, message.GetProperty("payload").ValueKind);
        Assert.Equal("hello", Rest.Payload(message));
    }
}
