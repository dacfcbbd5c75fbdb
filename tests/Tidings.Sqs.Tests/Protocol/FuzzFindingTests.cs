using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Protocol;

/// <summary>Regressions for what the sqs fuzz target (tools/Tidings.Fuzz/Sqs) found.</summary>
public sealed class FuzzFindingTests : IAsyncLifetime
{
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

    private Task<HttpResponseMessage> Json(string action, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        return _http.SendAsync(request);
    }

    [Theory]
    [InlineData("ListQueues", """{"QueueNamePrefix":"\ud800"}""")]
    [InlineData("ReceiveMessage", """{"QueueUrl":"q","\ud800MessageAttributeNames":{}}""")]
    [InlineData("TagQueue", """{"QueueUrl":"q","Tags":{"k":"\udfff"}}""")]
    [InlineData("GetQueueAttributes", """{"QueueUrl":"q","AttributeNames":["All\ud800"]}""")]
    public async Task A_JSON_string_with_an_unpaired_surrogate_escape_is_a_SerializationException(string action, string body)
    {
        var response = await Json(action, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("SerializationException", error.RootElement.GetProperty("__type").GetString());
    }

    [Theory]
    [InlineData("Action=ListQueues&MaxResults=a%00b")]
    [InlineData("Action=ListQueues&MaxResults=%01")]
    [InlineData("Action=ListQueues&MaxResults=%EF%BF%BE")]
    [InlineData("Action=Make%01Coffee")]
    public async Task A_Query_error_echoing_a_character_XML_cannot_carry_is_still_well_formed(string form)
    {
        var response = await _http.PostAsync("/", new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var root = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("ErrorResponse", root.Name.LocalName);
        Assert.Contains('\uFFFD', root.Value);
    }

    [Fact]
    public async Task A_Query_answer_echoing_a_control_character_is_still_well_formed()
    {
        var created = await _http.PostAsync("/", new FormUrlEncodedContent([new("Action", "CreateQueue"), new("QueueName", "fz-xml")]));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var response = await _http.PostAsync("/", new FormUrlEncodedContent([
            new("Action", "ChangeMessageVisibilityBatch"), new("QueueUrl", _server.SqsEndpoint + "/000000000000/fz-xml"),
            new("ChangeMessageVisibilityBatchRequestEntry.1.Id", "a"),
            new("ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", "\u0001bad"),
            new("ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "0")]));
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ReceiptHandleIsInvalid", XDocument.Parse(text).Root!.Value);
    }
}
