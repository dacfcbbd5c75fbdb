using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Protocol;

/// <summary>The two wire protocols byte by byte, as botocore's parsers read them (../shared/specs/sqs/NOTES.md §3–4).</summary>
public sealed class WireProtocolTests : IAsyncLifetime
{
    private static readonly XNamespace Sqs = "http://queue.amazonaws.com/doc/2012-11-05/";
    private TestBrokerServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await TestBrokerServer.StartWithSqsAsync();
        _http = new HttpClient { BaseAddress = new Uri(_server.SqsEndpoint), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private Task<HttpResponseMessage> Query(params (string, string)[] fields) =>
        _http.PostAsync("/", new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))));

    private Task<HttpResponseMessage> Json(string action, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        return _http.SendAsync(request);
    }

    [Fact]
    public async Task A_Query_answer_is_the_Response_Result_and_ResponseMetadata_elements_with_flattened_lists()
    {
        var created = await Query(("Action", "CreateQueue"), ("Version", "2012-11-05"), ("QueueName", "xml"),
            ("Attribute.1.Name", "VisibilityTimeout"), ("Attribute.1.Value", "12"), ("Tag.1.Key", "team"), ("Tag.1.Value", "a"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var document = XDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Equal(Sqs + "CreateQueueResponse", document.Root!.Name);
        string url = document.Root.Element(Sqs + "CreateQueueResult")!.Element(Sqs + "QueueUrl")!.Value;
        Assert.EndsWith("/000000000000/xml", url);
        Assert.False(string.IsNullOrEmpty(document.Root.Element(Sqs + "ResponseMetadata")!.Element(Sqs + "RequestId")!.Value));

        await Query(("Action", "SendMessage"), ("QueueUrl", url), ("MessageBody", "a <b> & \"c\"\r\n"),
            ("MessageAttribute.1.Name", "k"), ("MessageAttribute.1.Value.DataType", "String"), ("MessageAttribute.1.Value.StringValue", "v"));
        var received = XDocument.Parse(await (await Query(("Action", "ReceiveMessage"), ("QueueUrl", url),
            ("AttributeName.1", "All"), ("MessageAttributeName.1", "All"))).Content.ReadAsStringAsync());
        var message = received.Root!.Element(Sqs + "ReceiveMessageResult")!.Element(Sqs + "Message")!;
        // \r survives the XML round trip only as a character reference.
        Assert.Equal("a <b> & \"c\"\r\n", message.Element(Sqs + "Body")!.Value);
        var attribute = message.Element(Sqs + "MessageAttribute")!;
        Assert.Equal("k", attribute.Element(Sqs + "Name")!.Value);
        Assert.Equal("v", attribute.Element(Sqs + "Value")!.Element(Sqs + "StringValue")!.Value);
        Assert.Contains(message.Elements(Sqs + "Attribute"), a => a.Element(Sqs + "Name")!.Value == "ApproximateReceiveCount" && a.Element(Sqs + "Value")!.Value == "1");

        var tags = XDocument.Parse(await (await Query(("Action", "ListQueueTags"), ("QueueUrl", url))).Content.ReadAsStringAsync());
        var tag = tags.Root!.Element(Sqs + "ListQueueTagsResult")!.Element(Sqs + "Tag")!;
        Assert.Equal(("team", "a"), (tag.Element(Sqs + "Key")!.Value, tag.Element(Sqs + "Value")!.Value));

        // An action without output has no Result element.
        var deleted = XDocument.Parse(await (await Query(("Action", "DeleteQueue"), ("QueueUrl", url))).Content.ReadAsStringAsync());
        Assert.Null(deleted.Root!.Element(Sqs + "DeleteQueueResult"));
    }

    [Fact]
    public async Task A_Query_error_is_an_ErrorResponse_with_the_query_code()
    {
        var response = await Query(("Action", "GetQueueUrl"), ("QueueName", "missing"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(Sqs + "ErrorResponse", error.Name);
        Assert.Equal("Sender", error.Element(Sqs + "Error")!.Element(Sqs + "Type")!.Value);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue", error.Element(Sqs + "Error")!.Element(Sqs + "Code")!.Value);
        Assert.NotNull(error.Element(Sqs + "RequestId"));

        var unknown = await Query(("Action", "MakeCoffee"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("<Code>InvalidAction</Code>", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_JSON_error_carries_the_shape_name_and_the_query_error_header()
    {
        var response = await Json("GetQueueUrl", """{"QueueName":"missing"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue;Sender", Assert.Single(response.Headers.GetValues("x-amzn-query-error")));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("com.amazonaws.sqs#QueueDoesNotExist", body.RootElement.GetProperty("__type").GetString());

        var malformed = await Json("ListQueues", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("SerializationException", await malformed.Content.ReadAsStringAsync());
        var unknown = await Json("MakeCoffee", "{}");
        Assert.Contains("UnknownOperationException", await unknown.Content.ReadAsStringAsync());
        var wrongType = await Json("ReceiveMessage", """{"QueueUrl": 5}""");
        Assert.Contains("SerializationException", await wrongType.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_JSON_answer_has_numbers_as_strings_only_where_the_model_says_so()
    {
        await Json("CreateQueue", """{"QueueName":"json","Attributes":{"DelaySeconds":"0"},"tags":{"k":"v"}}""");
        var attributes = await Json("GetQueueAttributes", """{"QueueUrl":"http://elsewhere:1/000000000000/json","AttributeNames":["DelaySeconds"]}""");
        using var body = JsonDocument.Parse(await attributes.Content.ReadAsStringAsync());
        Assert.Equal("0", body.RootElement.GetProperty("Attributes").GetProperty("DelaySeconds").GetString());
        Assert.Equal("application/x-amz-json-1.0", attributes.Content.Headers.ContentType!.MediaType);
        Assert.True(attributes.Headers.Contains("x-amzn-RequestId"));
    }

    [Fact]
    public async Task A_GET_with_the_query_string_works_as_old_clients_send_it()
    {
        var response = await _http.GetAsync("/?Action=CreateQueue&QueueName=viaget&Version=2012-11-05");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(_server.Broker.DefaultVirtualHost.FindQueue("viaget"));
    }

    [Fact]
    public async Task An_oversized_request_is_refused_and_the_listener_keeps_serving()
    {
        var huge = new string('x', 3 * 1024 * 1024);
        var response = await Json("SendMessage", $$"""{"QueueUrl":"q","MessageBody":"{{huge}}"}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Json("ListQueues", "{}")).StatusCode);
    }
}
