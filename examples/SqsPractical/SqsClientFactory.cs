using Amazon.Runtime;
using Amazon.SQS;

namespace Tidings.Examples.SqsPractical;

/// <summary>An ordinary AWS SDK client; the endpoint URL is the only thing that differs from talking to AWS.</summary>
public static class SqsClientFactory
{
    public static AmazonSQSClient Create(string endpoint) =>
        // Tidings accepts any key from loopback (as its guest user), so dummy credentials do;
        // against AWS these would come from the usual credential chain instead.
        new(new BasicAWSCredentials("practical", "practical"), new AmazonSQSConfig
        {
            ServiceURL = endpoint,
            AuthenticationRegion = "us-east-1",
            // A 20 s long poll must not be cut by the HTTP timeout.
            Timeout = TimeSpan.FromSeconds(30),
        });
}
