using System.Xml.Linq;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Tests.Protocol;

public sealed class XmlOutputTests
{
    private static readonly XNamespace Ns = XmlOutput.Namespace;

    [Theory]
    [InlineData("ReceiveMessage")]
    [InlineData("ListQueues")]
    [InlineData("ListDeadLetterSourceQueues")]
    [InlineData("ListQueueTags")]
    public void An_action_with_output_but_no_members_answers_an_empty_Result_element(string action)
    {
        // botocore 1.29's query parser looks up <ActionResult> and raised KeyError: 'ReceiveMessageResult'
        // for a ReceiveMessage that found nothing; AWS answers <ReceiveMessageResult/> there.
        var root = Parse(new XmlOutput(action).Finish("req-1"));

        Assert.Equal(Ns + (action + "Response"), root.Name);
        Assert.Equal([Ns + (action + "Result"), Ns + "ResponseMetadata"], root.Elements().Select(e => e.Name));
        Assert.Empty(root.Element(Ns + (action + "Result"))!.Elements());
    }

    [Theory]
    [InlineData("DeleteQueue")]
    [InlineData("DeleteMessage")]
    [InlineData("SetQueueAttributes")]
    [InlineData("ChangeMessageVisibility")]
    [InlineData("PurgeQueue")]
    public void An_action_without_output_answers_only_the_response_metadata(string action)
    {
        var root = Parse(new XmlOutput(action).Finish("req-1"));

        Assert.Equal([Ns + "ResponseMetadata"], root.Elements().Select(e => e.Name));
        Assert.Equal("req-1", root.Element(Ns + "ResponseMetadata")!.Element(Ns + "RequestId")!.Value);
    }

    [Fact]
    public void A_result_with_members_is_written_once_around_them()
    {
        var output = new XmlOutput("GetQueueUrl");
        output.String("QueueUrl", "http://127.0.0.1/000000000000/q");
        var root = Parse(output.Finish("req-1"));

        var result = Assert.Single(root.Elements(Ns + "GetQueueUrlResult"));
        Assert.Equal("http://127.0.0.1/000000000000/q", result.Element(Ns + "QueueUrl")!.Value);
    }

    private static XElement Parse(ReadOnlyMemory<byte> xml) => XDocument.Parse(System.Text.Encoding.UTF8.GetString(xml.Span)).Root!;
}
