using System.Text;
using Tidings.Fuzz.Http;

namespace Tidings.Fuzz.Tests;

/// <summary>The finding rules of the HTTP targets and the known-issue filter, on their own.</summary>
public sealed class CheckTests
{
    private static readonly HttpCase Put = new("PUT", "/api/queues/%2F/q", "{}"u8.ToArray());

    [Theory]
    [InlineData(500, "application/json", """{"error":"x"}""", true)]
    [InlineData(502, null, "", true)]
    [InlineData(400, "text/plain", "bad", true)]
    [InlineData(404, null, "", true)]
    [InlineData(400, "application/json", "not json", true)]
    [InlineData(400, "application/json", "[1]", true)]
    [InlineData(400, "application/json; charset=utf-8", """{"error":"bad_request","reason":"r"}""", false)]
    [InlineData(201, null, "", false)]
    [InlineData(204, null, "", false)]
    public void Responses_that_are_findings(int status, string? contentType, string body, bool finding)
    {
        Assert.Equal(finding, ResponseCheck.Inspect(Put, status, contentType, Encoding.UTF8.GetBytes(body)) is not null);
    }

    [Fact]
    public void The_known_issue_switches_exclude_exactly_their_class()
    {
        bool longNames = KnownIssues.Issue10LongNames, utf8 = KnownIssues.Issue10InvalidUtf8;
        try
        {
            KnownIssues.Issue10LongNames = true;
            KnownIssues.Issue10InvalidUtf8 = true;
            Assert.True(KnownIssueFilter.Admits("/api/queues/%2F/q", """{"arguments":{"x":"short"}}"""u8));
            Assert.False(KnownIssueFilter.Admits("/api/queues/%2F/" + new string('q', 256), "{}"u8));
            Assert.False(KnownIssueFilter.Admits("/api/queues/%2F/q", Encoding.UTF8.GetBytes($$$"""{"arguments":{"x-dead-letter-routing-key":"{{{new string('k', 256)}}}"}}""")));
            Assert.True(KnownIssueFilter.Admits("/api/exchanges/%2F/x/publish", Encoding.UTF8.GetBytes($$"""{"payload":"{{new string('p', 5000)}}"}""")));
            Assert.False(KnownIssueFilter.Admits("/api/queues/%2F/q", [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8]));
            Assert.False(KnownIssueFilter.Admits("/api/queues/%2F/q", """{"a":"\ud800"}"""u8));
            Assert.False(KnownIssueFilter.Admits("/api/queues/%2F/%C3%28", "{}"u8));

            KnownIssues.Issue10LongNames = false;
            KnownIssues.Issue10InvalidUtf8 = false;
            Assert.True(KnownIssueFilter.Admits("/api/queues/%2F/" + new string('q', 256), "{}"u8));
            Assert.True(KnownIssueFilter.Admits("/api/queues/%2F/q", [.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8]));
        }
        finally
        {
            KnownIssues.Issue10LongNames = longNames;
            KnownIssues.Issue10InvalidUtf8 = utf8;
        }
    }
}
