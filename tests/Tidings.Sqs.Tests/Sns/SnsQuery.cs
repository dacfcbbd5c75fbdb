using System.Net;
using System.Xml.Linq;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Sns;

/// <summary>Raw AWS Query calls to the SNS API (unsigned, from loopback: they act as guest).</summary>
internal sealed class SnsQuery(TestBrokerServer server) : IDisposable
{
    public static readonly XNamespace Ns = "http://sns.amazonaws.com/doc/2010-03-31/";
    private readonly HttpClient _http = new() { BaseAddress = new Uri(server.SqsEndpoint) };

    public async Task<(HttpStatusCode Status, XElement Root)> Call(string action, params (string Name, string Value)[] fields)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", "2010-03-31") };
        form.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        using var response = await _http.PostAsync("/", new FormUrlEncodedContent(form));
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, XElement.Parse(text));
    }

    /// <summary>A call that must succeed; its Result element (or the response when it has none).</summary>
    public async Task<XElement> Ok(string action, params (string Name, string Value)[] fields)
    {
        var (status, root) = await Call(action, fields);
        Assert.True(status == HttpStatusCode.OK, $"{action}: {status} {root}");
        Assert.Equal(Ns + (action + "Response"), root.Name);
        return root.Element(Ns + (action + "Result")) ?? root;
    }

    /// <summary>A call that must fail with <paramref name="code"/> and <paramref name="status"/>; the error's Message.</summary>
    public async Task<string> Fails(HttpStatusCode status, string code, string action, params (string Name, string Value)[] fields)
    {
        var (actual, root) = await Call(action, fields);
        Assert.True(actual == status, $"{action}: {actual} {root}");
        Assert.Equal(Ns + "ErrorResponse", root.Name);
        var error = root.Element(Ns + "Error")!;
        Assert.Equal(code, error.Element(Ns + "Code")!.Value);
        return error.Element(Ns + "Message")!.Value;
    }

    public async Task<string> CreateTopic(string name, params (string Name, string Value)[] fields) =>
        (await Ok("CreateTopic", [("Name", name), .. fields])).Element(Ns + "TopicArn")!.Value;

    public async Task<Dictionary<string, string>> Attributes(string action, params (string Name, string Value)[] fields) =>
        (await Ok(action, fields)).Element(Ns + "Attributes")!.Elements(Ns + "entry")
            .ToDictionary(e => e.Element(Ns + "key")!.Value, e => e.Element(Ns + "value")!.Value);

    public void Dispose() => _http.Dispose();
}
