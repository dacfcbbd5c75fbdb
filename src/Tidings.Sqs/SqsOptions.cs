namespace Tidings.Sqs;

/// <summary>Settings of the SQS API listener (configuration section Tidings:Sqs).</summary>
public sealed class SqsOptions
{
    /// <summary>Address to listen on; loopback by default.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 9324 is what ElasticMQ and most local SQS setups use.</summary>
    public int Port { get; set; } = 9324;

    /// <summary>The twelve-digit account id in queue URLs and ARNs.</summary>
    public string AccountId { get; set; } = "000000000000";

    /// <summary>The region in ARNs, and the one signatures are expected for (any region is accepted).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Virtual host SQS queues live in.</summary>
    public string VirtualHost { get; set; } = "/";

    /// <summary>
    /// Access keys mapped to Tidings users: a request signed with one acts as that user, with its
    /// permissions. A key not listed here is refused (InvalidClientTokenId), except from loopback
    /// when <see cref="LoopbackUser"/> is set.
    /// </summary>
    public List<SqsAccessKey> AccessKeys { get; set; } = [];

    /// <summary>
    /// User that any access key acts as when the request comes from loopback and the key is not in
    /// <see cref="AccessKeys"/> (its signature is then not checked: nobody knows the secret). guest by
    /// default, as guest is loopback-only; empty turns it off.
    /// </summary>
    public string LoopbackUser { get; set; } = "guest";

    /// <summary>Largest request body accepted (AWS: a batch of 10 messages may total 1 MiB; the envelope costs some more).</summary>
    public int MaxRequestBytes { get; set; } = 2 * 1024 * 1024;
}

/// <summary>An access key id and its secret, acting as a Tidings user.</summary>
public sealed class SqsAccessKey
{
    public string AccessKeyId { get; set; } = "";
    public string SecretAccessKey { get; set; } = "";
    /// <summary>The Tidings user the key acts as.</summary>
    public string User { get; set; } = "";
}
