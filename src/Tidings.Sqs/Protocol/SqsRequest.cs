using System.Net;
using Tidings.Core.Security;

namespace Tidings.Sqs.Protocol;

/// <summary>One API call as an action sees it: who asks, its parameters, where the answer goes.</summary>
public sealed class SqsRequest(SqsService service, WireProtocol protocol, string action, User user, SqsInput input,
    SqsOutput output, string baseUrl, EndPoint? remote, CancellationToken cancellation)
{
    public SqsService Service { get; } = service;
    public WireProtocol Protocol { get; } = protocol;
    public string Action { get; } = action;
    /// <summary>The Tidings user the access key acts as.</summary>
    public User User { get; } = user;
    public SqsInput Input { get; } = input;
    public SqsOutput Output { get; } = output;
    /// <summary>"http://host:port" as the client addressed us, for queue URLs.</summary>
    public string BaseUrl { get; } = baseUrl;
    public EndPoint? Remote { get; } = remote;
    /// <summary>Cancelled when the client goes away (a long poll stops waiting).</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Set by an action that answers with bytes it kept (a retried FIFO receive); the output is then ignored.</summary>
    public ReadOnlyMemory<byte>? KeptAnswer { get; set; }

    /// <summary>Set by an action whose finished answer must be kept under this key (a FIFO receive with an attempt id).</summary>
    public Action<ReadOnlyMemory<byte>>? KeepAnswer { get; set; }

    /// <summary>The URL of a queue as this client should address it.</summary>
    public string QueueUrl(string name) => Queues.QueueNames.Url(BaseUrl, Service.Options.AccountId, name);
}
