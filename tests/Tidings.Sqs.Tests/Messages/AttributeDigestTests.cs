using System.Text;
using Amazon.SQS.Internal;
using Amazon.SQS.Model;
using Tidings.Sqs.Messages;

namespace Tidings.Sqs.Tests.Messages;

public sealed class AttributeDigestTests
{
    [Theory]
    [InlineData("derp", "58fd9edd83341c29f1aebba81c31e257")]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    public void Body_digest_matches_published_vectors(string body, string expected) =>
        Assert.Equal(expected, AttributeDigest.Md5OfBody(body));

    [Theory]
    [InlineData("timestamp", "1493147359900", "235c5c510d26fb653d073faed50ae77c")]
    [InlineData("timestamp", "1493147359901", "994258b45346a2cc3f9cbb611aa7af30")]
    [InlineData("SOME_Valid.attribute-Name", "1493147359900", "36655e7e9d7c0e8479fa3f3f42247ae7")]
    public void Attribute_digest_matches_published_vectors(string name, string value, string expected) =>
        Assert.Equal(expected, AttributeDigest.Md5OfAttributes([new SqsAttribute(name, "Number", value, null)]));

    [Fact]
    public void No_attributes_have_no_digest() => Assert.Null(AttributeDigest.Md5OfAttributes([]));

    [Theory]
    [InlineData("derp")]
    [InlineData("Grüße, 東京 🚀")]
    [InlineData("")]
    public void Body_digest_matches_the_dotnet_sdk(string body) =>
        Assert.Equal(ValidationResponseHandler.CalculateMD5(body), AttributeDigest.Md5OfBody(body));

    [Fact]
    public void Long_non_ascii_body_digest_matches_the_dotnet_sdk()
    {
        // Longer than the stack buffer, so the pooled path runs.
        var body = string.Concat(Enumerable.Repeat("ünïcödé ✓ ", 500));
        Assert.Equal(ValidationResponseHandler.CalculateMD5(body), AttributeDigest.Md5OfBody(body));
    }

    [Fact]
    public void Attribute_digest_matches_the_dotnet_sdk_for_every_type()
    {
        var ours = new List<SqsAttribute>
        {
            new("zeta", "String", "Grüße, 東京 🚀", null),
            new("Alpha", "Number", "42", null),
            new("picture", "Binary", null, [0, 1, 2, 255, 254]),
            new("price", "Number.float", "3.14", null),
            new("jpeg", "Binary.jpg", null, Encoding.UTF8.GetBytes("not really a jpeg")),
            new("label", "String.utf8", "ça va", null),
            new("empty", "String", "", null),
            new("long", "String", new string('é', 2000), null),
        };
        var theirs = new Dictionary<string, MessageAttributeValue>();
        foreach (var attribute in ours)
        {
            theirs[attribute.Name] = attribute.IsBinary
                ? new MessageAttributeValue { DataType = attribute.DataType, BinaryValue = new MemoryStream(attribute.BinaryValue!) }
                : new MessageAttributeValue { DataType = attribute.DataType, StringValue = attribute.StringValue };
        }

        Assert.Equal(ValidationResponseHandler.CalculateMD5(theirs), AttributeDigest.Md5OfAttributes(ours));
    }

    [Fact]
    public void Attribute_digest_does_not_depend_on_input_order()
    {
        SqsAttribute a = new("a", "String", "1", null), b = new("B", "Number", "2", null), c = new("c", "Binary", null, [3]);
        Assert.Equal(AttributeDigest.Md5OfAttributes([a, b, c]), AttributeDigest.Md5OfAttributes([c, a, b]));
    }
}
