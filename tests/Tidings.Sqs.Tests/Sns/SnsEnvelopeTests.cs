using System.Text.Json;
using Tidings.Sqs.Sns;

namespace Tidings.Sqs.Tests.Sns;

public sealed class SnsEnvelopeTests
{
    private const string TopicArn = "arn:aws:sns:us-west-2:123456789012:MyTopic";
    private const string CertUrl = "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem";
    private const string UnsubscribeUrl =
        "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0-26c4-47ec-8998-413945fb5a96";

    private static readonly DateTimeOffset s_timestamp = new(2012, 5, 2, 0, 54, 6, 655, TimeSpan.Zero);

    private static readonly Dictionary<string, SnsAttributeValue> s_none = [];

    private static string Build(string? subject = "My First Message", string message = "Hello world!",
        IReadOnlyDictionary<string, SnsAttributeValue>? attributes = null, DateTimeOffset? timestamp = null) =>
        SnsEnvelope.Build("22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", TopicArn, subject, message, timestamp ?? s_timestamp,
            attributes ?? s_none, UnsubscribeUrl, CertUrl);

    [Fact]
    public void Notification_has_AWS_keys_in_AWS_order()
    {
        using var document = JsonDocument.Parse(Build(attributes: new Dictionary<string, SnsAttributeValue>
        {
            ["store"] = new("String", "example_corp"),
        }));

        var names = document.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(
            ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature",
                "SigningCertURL", "UnsubscribeURL", "MessageAttributes"],
            names);
    }

    [Fact]
    public void Values_are_those_of_the_documented_example()
    {
        using var document = JsonDocument.Parse(Build());
        var root = document.RootElement;

        Assert.Equal("Notification", root.GetProperty("Type").GetString());
        Assert.Equal("22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", root.GetProperty("MessageId").GetString());
        Assert.Equal(TopicArn, root.GetProperty("TopicArn").GetString());
        Assert.Equal("My First Message", root.GetProperty("Subject").GetString());
        Assert.Equal("Hello world!", root.GetProperty("Message").GetString());
        Assert.Equal("2012-05-02T00:54:06.655Z", root.GetProperty("Timestamp").GetString());
        Assert.Equal("1", root.GetProperty("SignatureVersion").GetString());
        Assert.Equal(CertUrl, root.GetProperty("SigningCertURL").GetString());
        Assert.Equal(UnsubscribeUrl, root.GetProperty("UnsubscribeURL").GetString());
    }

    [Fact]
    public void Layout_is_the_one_SNS_sends()
    {
        var json = Build(subject: null, message: "hi");

        Assert.StartsWith("{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\",\n", json, StringComparison.Ordinal);
        Assert.EndsWith($"  \"UnsubscribeURL\" : \"{UnsubscribeUrl}\"\n}}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_and_message_attributes_are_omitted_when_absent()
    {
        using var document = JsonDocument.Parse(Build(subject: null));

        Assert.False(document.RootElement.TryGetProperty("Subject", out _));
        Assert.False(document.RootElement.TryGetProperty("MessageAttributes", out _));
    }

    [Fact]
    public void Timestamp_is_UTC_with_milliseconds_and_Z()
    {
        var offset = new DateTimeOffset(2012, 4, 25, 23, 49, 25, 719, TimeSpan.FromHours(2));
        using var document = JsonDocument.Parse(Build(timestamp: offset));

        Assert.Equal("2012-04-25T21:49:25.719Z", document.RootElement.GetProperty("Timestamp").GetString());
        using var whole = JsonDocument.Parse(Build(timestamp: new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2020-01-01T00:00:00.000Z", whole.RootElement.GetProperty("Timestamp").GetString());
    }

    [Fact]
    public void Message_attributes_carry_type_and_value_and_parse_back()
    {
        var attributes = new Dictionary<string, SnsAttributeValue>
        {
            ["customer_interests"] = new("String.Array", "[\"soccer\", \"rugby\"]"),
            ["price_usd"] = new("Number", "210.75"),
            ["blob"] = new("Binary", "AAEC"),
        };

        var json = Build(attributes: attributes);
        using var document = JsonDocument.Parse(json);
        var parsed = document.RootElement.GetProperty("MessageAttributes");

        Assert.Equal(3, parsed.EnumerateObject().Count());
        foreach (var (name, attribute) in attributes)
        {
            var entry = parsed.GetProperty(name);
            Assert.Equal(["Type", "Value"], entry.EnumerateObject().Select(p => p.Name));
            Assert.Equal(attribute.DataType, entry.GetProperty("Type").GetString());
            Assert.Equal(attribute.Value, entry.GetProperty("Value").GetString());
        }

        Assert.Contains("    \"price_usd\" : {\"Type\":\"Number\",\"Value\":\"210.75\"}", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("say \"hi\"\\ now")]
    [InlineData("Grüße, 日本語, emoji 😀")]
    [InlineData("line1\nline2\ttab\u0001")]
    [InlineData("{\"already\": \"json\"}")]
    [InlineData("</script><b>&amp;")]
    public void Text_round_trips_through_a_JSON_parser(string text)
    {
        var attributes = new Dictionary<string, SnsAttributeValue> { [text] = new("String", text) };
        var json = Build(subject: text, message: text, attributes: attributes);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Equal(text, root.GetProperty("Subject").GetString());
        Assert.Equal(text, root.GetProperty("Message").GetString());
        Assert.Equal(text, root.GetProperty("MessageAttributes").GetProperty(text).GetProperty("Value").GetString());
    }

    [Fact]
    public void Non_ASCII_text_stays_readable_and_quotes_are_backslash_escaped()
    {
        var json = Build(message: "Grüße \"x\"");

        Assert.Contains("\"Message\" : \"Grüße \\\"x\\\"\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Signature_is_deterministic_base64_that_depends_on_the_signed_fields()
    {
        var first = Signature(Build());
        var again = Signature(Build());
        var otherMessage = Signature(Build(message: "Hello world?"));
        var noSubject = Signature(Build(subject: null));

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherMessage);
        Assert.NotEqual(first, noSubject);
        Assert.Equal(20, Convert.FromBase64String(first).Length);
    }

    private static string Signature(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("Signature").GetString()!;
    }
}
