using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Tidings.Sqs.Signing;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Signing;

public sealed class SigV4VerifierTests
{
    // The credentials of AWS's published Signature Version 4 test suite.
    private const string SuiteKey = "AKIDEXAMPLE";
    private const string SuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);
    private const string SuiteHost = "example.amazonaws.com";

    // The credentials the client tests sign with.
    private const string ClientKey = "AKIDTIDINGS";
    private const string ClientSecret = "tidings/secret+KEY";

    private static SigV4Verifier Verifier(DateTimeOffset now) =>
        new(key => key switch { SuiteKey => SuiteSecret, ClientKey => ClientSecret, _ => null }, new ManualTimeProvider(now));

    private static SignedRequest Request(string method, string path, string query, string authorization, string? body = null, params (string, string)[] extra)
    {
        var headers = new List<KeyValuePair<string, string>> { new("Host", SuiteHost), new("X-Amz-Date", "20150830T123600Z") };
        foreach (var (name, value) in extra) headers.Add(new(name, value));
        headers.Add(new("Authorization", authorization));
        return new SignedRequest(method, path, query, headers, Encoding.UTF8.GetBytes(body ?? ""));
    }

    private static string SuiteAuthorization(string signedHeaders, string signature) =>
        $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}";

    // Requests and signatures of AWS's Signature Version 4 test suite (service "service", 2015-08-30).
    // Paths are given as the suite's request lines have them; queries as a client puts them on the wire.
    public static TheoryData<string, string, string, string, string, string?, string[]> SuiteVectors() => new()
    {
        { "get-vanilla", "GET", "/", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", null, [] },
        { "get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f", null, [] },
        { "get-utf8", "GET", "/ሴ", "", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85", null, [] },
        { "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", null, [] },
        { "get-vanilla-query-unreserved", "GET", "/", "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197", null, [] },
        { "get-vanilla-utf8-query", "GET", "/", "%E1%88%B4=bar", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04", null, [] },
        // Dot segments and doubled slashes normalise away: the canonical request is get-vanilla's.
        { "get-relative", "GET", "/example/..", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", null, [] },
        { "get-relative-relative", "GET", "/example1/example2/../..", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", null, [] },
        { "get-slash", "GET", "//", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", null, [] },
        { "get-slash-dot-slash", "GET", "/./", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", null, [] },
        { "post-vanilla", "POST", "/", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", null, [] },
        { "post-vanilla-query", "POST", "/", "Param1=value1", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", null, [] },
        { "post-vanilla-query-nonunreserved", "POST", "/", "%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D", "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e", null, [] },
        { "post-vanilla-query-space", "POST", "/", "p=", "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b", null, [] },
        { "post-x-www-form-urlencoded", "POST", "/", "", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", "Param1=value1", ["Content-Type", "application/x-www-form-urlencoded"] },
        { "post-x-www-form-urlencoded-parameters", "POST", "/", "", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe", "Param1=value1", ["Content-Type", "application/x-www-form-urlencoded; charset=utf8"] },
        { "get-header-value-trim", "GET", "/", "", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736", null, ["My-Header1", " value1", "My-Header2", " \"a   b   c\""] },
        { "post-header-value-case", "POST", "/", "", "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d", null, ["My-Header1", "VALUE1"] },
        // A repeated header is signed as its values joined by commas, in the order they came.
        { "get-header-key-duplicate", "GET", "/", "", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea", null, ["My-Header1", "value2", "My-Header1", "value2", "My-Header1", "value1"] },
        { "get-header-value-order", "GET", "/", "", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01", null, ["My-Header1", "value4", "My-Header1", "value1", "My-Header1", "value3", "My-Header1", "value2"] },
        { "post-sts-header-before", "POST", "/", "", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead", null, ["X-Amz-Security-Token", "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="] },
    };

    [Theory]
    [MemberData(nameof(SuiteVectors))]
    public void Aws_test_suite_signatures_verify(string name, string method, string path, string query, string signature, string? body, string[] extra)
    {
        var headers = new List<(string, string)>();
        for (var i = 0; i < extra.Length; i += 2) headers.Add((extra[i], extra[i + 1]));
        var signed = new SortedSet<string>(StringComparer.Ordinal) { "host", "x-amz-date" };
        foreach (var (header, _) in headers) signed.Add(header.ToLowerInvariant());
        var request = Request(method, path, query, SuiteAuthorization(string.Join(';', signed), signature), body, [.. headers]);

        var check = Verifier(SuiteTime).Verify(request);

        Assert.True(check.Status == SignatureStatus.Valid, $"{name}: {check.Status} {check.Problem}");
        Assert.Equal(new SignatureCheck(SignatureStatus.Valid, SuiteKey, "service", "us-east-1", null), check);
    }

    [Theory]
    // botocore's variant of the 2011 suite (service "host", Date header instead of X-Amz-Date): the
    // path arrives encoded once and is signed encoded twice, "/%20/foo" as "/%2520/foo".
    [InlineData("/%20/foo", "2be9e587d1ee1f0fd02128724b86b4358ba3630d39f493b6e06610a19a50779e")]
    [InlineData("/%E1%88%B4", "57b1eb3df3b16a8479c0097b66c0b261cfd65b829419a3f2c3d05319722490b8")]
    public void Encoded_paths_are_signed_encoded_again_and_Date_stands_in_for_X_Amz_Date(string path, string signature)
    {
        var request = new SignedRequest("GET", path, "", [
            new("Date", "Mon, 09 Sep 2011 23:36:00 GMT"),
            new("Host", "host.foo.com"),
            new("Authorization", $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/aws4_request, SignedHeaders=date;host, Signature={signature}"),
        ], ReadOnlyMemory<byte>.Empty);

        var check = Verifier(new DateTimeOffset(2011, 9, 9, 23, 40, 0, TimeSpan.Zero)).Verify(request);

        Assert.True(check.Status == SignatureStatus.Valid, $"{check.Status}: {check.Problem}");
    }

    private static SignedRequest Vanilla(string? signature = null, string key = SuiteKey) =>
        Request("GET", "/", "", $"AWS4-HMAC-SHA256 Credential={key}/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature ?? "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"}");

    [Fact]
    public void Wrong_secret_is_a_mismatch()
    {
        var verifier = new SigV4Verifier(_ => "not the secret", new ManualTimeProvider(SuiteTime));
        Assert.Equal(SignatureStatus.Mismatch, verifier.Verify(Vanilla()).Status);
    }

    [Fact]
    public void Unknown_access_key_is_reported_with_its_id()
    {
        var check = Verifier(SuiteTime).Verify(Vanilla(key: "AKIDNOBODY"));
        Assert.Equal(SignatureStatus.UnknownAccessKey, check.Status);
        Assert.Equal("AKIDNOBODY", check.AccessKeyId);
    }

    [Fact]
    public void Flipped_signature_is_a_mismatch() =>
        Assert.Equal(SignatureStatus.Mismatch, Verifier(SuiteTime).Verify(Vanilla("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30")).Status);

    [Theory]
    [InlineData(-15)]
    [InlineData(15)]
    public void Request_time_up_to_15_minutes_off_is_accepted(int minutes) =>
        Assert.Equal(SignatureStatus.Valid, Verifier(SuiteTime.AddMinutes(minutes)).Verify(Vanilla()).Status);

    [Theory]
    [InlineData(-16)]
    [InlineData(16)]
    [InlineData(60 * 24)]
    public void Request_time_more_than_15_minutes_off_is_expired(int minutes) =>
        Assert.Equal(SignatureStatus.Expired, Verifier(SuiteTime.AddMinutes(minutes)).Verify(Vanilla()).Status);

    [Fact]
    public void Unsigned_request_is_missing() =>
        Assert.Equal(SignatureStatus.Missing, Verifier(SuiteTime).Verify(new SignedRequest("POST", "/", "Action=ListQueues", [new("Host", SuiteHost)], ReadOnlyMemory<byte>.Empty)).Status);

    [Theory]
    [InlineData("garbage")]
    [InlineData("AWS4-HMAC-SHA256")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=zz")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=30")]
    [InlineData("AWS AKIDEXAMPLE:c2lnbmF0dXJl")]
    public void Garbage_authorization_is_malformed(string authorization) =>
        Assert.Equal(SignatureStatus.Malformed, Verifier(SuiteTime).Verify(Request("GET", "/", "", authorization)).Status);

    [Theory]
    [InlineData("Action=ListQueues&X-Amz-Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=0&X-Amz-SignedHeaders=host&X-Amz-Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=nothex")]
    public void Incomplete_presigned_query_is_malformed(string query) =>
        Assert.Equal(SignatureStatus.Malformed, Verifier(SuiteTime).Verify(new SignedRequest("GET", "/", query, [new("Host", SuiteHost)], ReadOnlyMemory<byte>.Empty)).Status);

    [Fact]
    public void Query_without_a_signature_parameter_is_missing() =>
        Assert.Equal(SignatureStatus.Missing, Verifier(SuiteTime).Verify(new SignedRequest("GET", "/", "Note=X-Amz-Signature&X-Amz-SignatureX=1", [new("Host", SuiteHost)], ReadOnlyMemory<byte>.Empty)).Status);

    [Fact]
    public void Unparseable_x_amz_date_is_malformed()
    {
        var request = new SignedRequest("GET", "/", "", [
            new("Host", SuiteHost), new("X-Amz-Date", "2015-08-30T12:36:00Z"), new("Authorization", SuiteAuthorization("host;x-amz-date", new string('0', 64)))], ReadOnlyMemory<byte>.Empty);
        Assert.Equal(SignatureStatus.Malformed, Verifier(SuiteTime).Verify(request).Status);
    }

    // ---- Real clients: the AWS SDK for .NET and Debian's botocore sign, the verifier checks. ----

    /// <summary>A request as a client put it on the wire.</summary>
    private sealed record Captured(string Method, string RawPath, string RawQuery, List<KeyValuePair<string, string>> Headers, byte[] Body)
    {
        public SignedRequest ToSigned() => new(Method, RawPath, RawQuery, Headers, Body);

        public DateTimeOffset SignedAt()
        {
            var date = Headers.FirstOrDefault(h => h.Key.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase)).Value
                ?? RawQuery.Split('&').First(p => p.StartsWith("X-Amz-Date=", StringComparison.Ordinal))["X-Amz-Date=".Length..];
            return DateTimeOffset.ParseExact(date, "yyyyMMdd'T'HHmmss'Z'", null, System.Globalization.DateTimeStyles.AssumeUniversal);
        }

        public Captured WithHeader(string name, string value) =>
            this with { Headers = [.. Headers.Select(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase) ? new KeyValuePair<string, string>(h.Key, value) : h)] };
    }

    private static void AssertValidAndTamperEvident(Captured captured, string tamperHeader)
    {
        var now = captured.SignedAt();
        var verifier = Verifier(now);
        var check = verifier.Verify(captured.ToSigned());
        Assert.True(check.Status == SignatureStatus.Valid, $"{check.Status}: {check.Problem}");
        Assert.Equal(ClientKey, check.AccessKeyId);
        Assert.Equal("sqs", check.Service);
        Assert.Equal("us-east-1", check.Region);

        if (captured.Body.Length > 0)
        {
            var body = (byte[])captured.Body.Clone();
            body[^1] ^= 1;
            Assert.Equal(SignatureStatus.Mismatch, verifier.Verify((captured with { Body = body }).ToSigned()).Status);
        }
        Assert.Equal(SignatureStatus.Mismatch, verifier.Verify(captured.WithHeader(tamperHeader, "tampered").ToSigned()).Status);
        Assert.Equal(SignatureStatus.Mismatch, verifier.Verify((captured with { RawQuery = captured.RawQuery.Length == 0 ? "Extra=1" : captured.RawQuery + "&Extra=1" }).ToSigned()).Status);
        Assert.Equal(SignatureStatus.Mismatch, verifier.Verify((captured with { RawPath = captured.RawPath + "x" }).ToSigned()).Status);
        Assert.Equal(SignatureStatus.Expired, Verifier(now.AddMinutes(20)).Verify(captured.ToSigned()).Status);
        Assert.Equal(SignatureStatus.UnknownAccessKey, new SigV4Verifier(_ => null, new ManualTimeProvider(now)).Verify(captured.ToSigned()).Status);
        Assert.Equal(SignatureStatus.Mismatch, new SigV4Verifier(_ => "wrong", new ManualTimeProvider(now)).Verify(captured.ToSigned()).Status);
    }

    /// <summary>Runs one AmazonSQSClient call against a listener that records the request and answers an error.</summary>
    private static async Task<Captured> CaptureDotnetSdkRequest(AWSCredentials credentials, Func<IAmazonSQS, string, Task> call)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();

        var config = new AmazonSQSConfig { ServiceURL = $"http://127.0.0.1:{port}/", AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
        using var client = new AmazonSQSClient(credentials, config);
        var callTask = call(client, $"http://127.0.0.1:{port}/123456789012/tidings-queue");

        var context = await listener.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var request = context.Request;
        var headers = new List<KeyValuePair<string, string>>();
        // The indexer, not GetValues: GetValues splits values at commas, Authorization's too.
        foreach (var name in request.Headers.AllKeys) headers.Add(new(name!, request.Headers[name]!));
        using var body = new MemoryStream();
        await request.InputStream.CopyToAsync(body);
        var rawUrl = request.RawUrl!;
        var question = rawUrl.IndexOf('?');
        var captured = new Captured(request.HttpMethod, question < 0 ? rawUrl : rawUrl[..question], question < 0 ? "" : rawUrl[(question + 1)..], headers, body.ToArray());

        context.Response.StatusCode = 400;
        context.Response.ContentType = "application/x-amz-json-1.0";
        var error = """{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"captured"}"""u8.ToArray();
        await context.Response.OutputStream.WriteAsync(error);
        context.Response.Close();
        await Assert.ThrowsAnyAsync<AmazonServiceException>(() => callTask);
        return captured;
    }

    [Fact]
    public async Task Dotnet_sdk_json_request_verifies()
    {
        var captured = await CaptureDotnetSdkRequest(new BasicAWSCredentials(ClientKey, ClientSecret),
            (client, queueUrl) => client.SendMessageAsync(new SendMessageRequest(queueUrl, "héllo, wörld 🚀")));

        Assert.Contains(captured.Headers, h => h.Key.Equals("X-Amz-Target", StringComparison.OrdinalIgnoreCase));
        AssertValidAndTamperEvident(captured, "X-Amz-Target");
    }

    [Fact]
    public async Task Dotnet_sdk_request_with_session_token_verifies()
    {
        var captured = await CaptureDotnetSdkRequest(new SessionAWSCredentials(ClientKey, ClientSecret, "session/token+value=="),
            (client, _) => client.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = "tid ings" }));

        Assert.Contains(captured.Headers, h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase));
        AssertValidAndTamperEvident(captured, "X-Amz-Security-Token");
    }

    /// <summary>Signs with Debian's botocore (python3-botocore, what CI installs with python3-boto3).</summary>
    private const string BotocoreScript = """
        import base64, hashlib, json, sys
        from botocore.auth import SigV4Auth, SigV4QueryAuth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        mode, key, secret = sys.argv[1], sys.argv[2], sys.argv[3]
        credentials = Credentials(key, secret)
        if mode == "query":
            body = "Action=SendMessage&Version=2012-11-05&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Fq&MessageBody=h%C3%A9llo+w%C3%B6rld%21".encode()
            request = AWSRequest(method="POST", url="https://sqs.us-east-1.amazonaws.com/", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            SigV4Auth(credentials, "sqs", "us-east-1").add_auth(request)
        elif mode == "json":
            credentials = Credentials(key, secret, "session/token+value==")
            body = json.dumps({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": "h\u00e9llo \U0001F680"}).encode()
            request = AWSRequest(method="POST", url="https://sqs.us-east-1.amazonaws.com/", data=body,
                                 headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"})
            SigV4Auth(credentials, "sqs", "us-east-1").add_auth(request)
        elif mode in ("unsigned", "sha256"):
            body = b"Action=ListQueues&Version=2012-11-05"
            content = "UNSIGNED-PAYLOAD" if mode == "unsigned" else hashlib.sha256(body).hexdigest()
            request = AWSRequest(method="POST", url="https://sqs.us-east-1.amazonaws.com/", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded", "X-Amz-Content-SHA256": content})
            SigV4Auth(credentials, "sqs", "us-east-1").add_auth(request)
        else:
            request = AWSRequest(method="GET", url="https://sqs.us-east-1.amazonaws.com/123456789012/my%20queue",
                                 params={"Action": "GetQueueAttributes", "AttributeName.1": "All", "Note": "a b+c/\u00fc~"})
            SigV4QueryAuth(credentials, "sqs", "us-east-1", expires=300).add_auth(request)
        prepared = request.prepare()
        print(json.dumps({"method": prepared.method, "url": prepared.url,
                          "headers": [[k, v.decode() if isinstance(v, bytes) else v] for k, v in prepared.headers.items()],
                          "body": base64.b64encode(prepared.body or b"").decode()}))
        """;

    private static async Task<Captured> SignWithBotocore(string mode)
    {
        var script = Path.Combine(Path.GetTempPath(), $"tidings-sigv4-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, BotocoreScript);
        try
        {
            var start = new ProcessStartInfo(ExternalProcess.DebianPython) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { script, mode, ClientKey, ClientSecret }) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            // Fails, not skips, when botocore is absent: CI installs python3-boto3.
            Assert.True(process.ExitCode == 0, $"botocore signing failed (apt-get install python3-botocore?): {await stderr}");

            using var json = JsonDocument.Parse(await stdout);
            var root = json.RootElement;
            var url = new Uri(root.GetProperty("url").GetString()!);
            var headers = new List<KeyValuePair<string, string>>();
            foreach (var header in root.GetProperty("headers").EnumerateArray()) headers.Add(new(header[0].GetString()!, header[1].GetString()!));
            // botocore signs the host it takes from the URL; the HTTP layer sends it.
            if (!headers.Any(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))) headers.Add(new("Host", url.Authority));
            var query = url.Query.Length > 0 ? url.Query[1..] : "";
            return new Captured(root.GetProperty("method").GetString()!, url.AbsolutePath, query, headers, Convert.FromBase64String(root.GetProperty("body").GetString()!));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    [Trait(TestCategories.Name, TestCategories.Interop)]
    public async Task Botocore_query_protocol_form_post_verifies()
    {
        var captured = await SignWithBotocore("query");
        AssertValidAndTamperEvident(captured, "Content-Type");
    }

    [Fact]
    [Trait(TestCategories.Name, TestCategories.Interop)]
    public async Task Botocore_json_post_with_target_and_session_token_verifies()
    {
        var captured = await SignWithBotocore("json");
        Assert.Contains(captured.Headers, h => h.Key == "X-Amz-Security-Token");
        AssertValidAndTamperEvident(captured, "X-Amz-Target");
    }

    [Fact]
    [Trait(TestCategories.Name, TestCategories.Interop)]
    public async Task Botocore_signed_payload_hash_header_verifies_and_covers_the_body()
    {
        var captured = await SignWithBotocore("sha256");
        AssertValidAndTamperEvident(captured, "Content-Type");
    }

    [Fact]
    [Trait(TestCategories.Name, TestCategories.Interop)]
    public async Task Botocore_unsigned_payload_verifies_whatever_the_body()
    {
        var captured = await SignWithBotocore("unsigned");
        var verifier = Verifier(captured.SignedAt());
        Assert.Equal(SignatureStatus.Valid, verifier.Verify(captured.ToSigned()).Status);
        // UNSIGNED-PAYLOAD is the client's choice to leave the body out of the signature.
        Assert.Equal(SignatureStatus.Valid, verifier.Verify((captured with { Body = "Action=DeleteQueue"u8.ToArray() }).ToSigned()).Status);
        Assert.Equal(SignatureStatus.Mismatch, verifier.Verify(captured.WithHeader("X-Amz-Content-SHA256", new string('0', 64)).ToSigned()).Status);
        Assert.Equal(SignatureStatus.Malformed, verifier.Verify(captured.WithHeader("X-Amz-Content-SHA256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD").ToSigned()).Status);
    }

    [Fact]
    [Trait(TestCategories.Name, TestCategories.Interop)]
    public async Task Botocore_presigned_url_verifies_until_it_expires()
    {
        var captured = await SignWithBotocore("presign");
        Assert.DoesNotContain(captured.Headers, h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase));
        var signedAt = captured.SignedAt();
        var request = captured.ToSigned();

        var check = Verifier(signedAt.AddSeconds(299)).Verify(request);
        Assert.True(check.Status == SignatureStatus.Valid, $"{check.Status}: {check.Problem}");
        Assert.Equal(ClientKey, check.AccessKeyId);
        Assert.Equal(SignatureStatus.Expired, Verifier(signedAt.AddSeconds(301)).Verify(request).Status);
        Assert.Equal(SignatureStatus.Expired, Verifier(signedAt.AddMinutes(-16)).Verify(request).Status);
        Assert.Equal(SignatureStatus.Mismatch, Verifier(signedAt).Verify(request with { RawQuery = request.RawQuery.Replace("All", "Policy", StringComparison.Ordinal) }).Status);
        Assert.Equal(SignatureStatus.Mismatch, Verifier(signedAt).Verify(request with { RawQuery = request.RawQuery.Replace("X-Amz-Expires=300", "X-Amz-Expires=3000", StringComparison.Ordinal) }).Status);
        Assert.Equal(SignatureStatus.Mismatch, Verifier(signedAt).Verify(request with { RawPath = "/123456789012/other" }).Status);
        Assert.Equal(SignatureStatus.UnknownAccessKey, new SigV4Verifier(_ => null, new ManualTimeProvider(signedAt)).Verify(request).Status);
    }
}
