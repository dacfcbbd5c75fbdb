using Amazon.Runtime;
using Amazon.SQS;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>The AWS SDK for .NET pointed at a test server, as a program would be by changing only the endpoint URL.</summary>
internal static class SqsClients
{
    public static AmazonSQSClient For(TestBrokerServer server, string accessKey = "test", string secret = "test") =>
        new(new BasicAWSCredentials(accessKey, secret), new AmazonSQSConfig
        {
            ServiceURL = server.SqsEndpoint,
            AuthenticationRegion = "us-east-1",
            // One try: a test must see the broker's first answer, not a retry of it.
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(30),
        });
}
