using System.Net;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Signing;

namespace Tidings.Sqs;

/// <summary>
/// Who a request acts as. A key listed in <see cref="SqsOptions.AccessKeys"/> must carry a valid
/// Signature V4 (header or presigned query) and acts as its user; any other key, or none, is
/// accepted only from loopback, as <see cref="SqsOptions.LoopbackUser"/> (guest by default, as
/// guest itself may only log in from loopback). The signature's region is not checked.
/// </summary>
public sealed class SqsAuthenticator
{
    private readonly SqsService _service;
    private readonly Dictionary<string, SqsAccessKey> _keys;
    private readonly SigV4Verifier _verifier;

    public SqsAuthenticator(SqsService service)
    {
        _service = service;
        _keys = service.Options.AccessKeys
            .Where(k => k.AccessKeyId.Length > 0)
            .ToDictionary(k => k.AccessKeyId, StringComparer.Ordinal);
        _verifier = new SigV4Verifier(key => _keys.GetValueOrDefault(key)?.SecretAccessKey, service.Broker.Time);
    }

    /// <summary>The user the request acts as; an SqsException with AWS's code when it may not.</summary>
    /// <param name="request">Builds the request as signed; called only when there are keys to check it against.</param>
    /// <param name="signed">Whether the request carries a signature at all (for the error an unsigned one gets).</param>
    /// <param name="remote">The caller's address; loopback callers may use any key.</param>
    public User Authenticate(Func<SignedRequest> request, bool signed, EndPoint? remote)
    {
        // No keys configured: nothing to verify, only loopback callers get in (the common local setup, and every request's cost).
        if (_keys.Count == 0) return LoopbackUserOr(remote, signed ? SqsErrors.InvalidClientTokenId() : SqsErrors.MissingAuthenticationToken());
        var check = _verifier.Verify(request());
        switch (check.Status)
        {
            case SignatureStatus.Valid:
                var key = _keys[check.AccessKeyId!];
                return _service.Broker.FindUser(key.User) ?? throw SqsErrors.InvalidClientTokenId();
            case SignatureStatus.Mismatch:
                throw SqsErrors.SignatureDoesNotMatch();
            case SignatureStatus.Expired when check.AccessKeyId is not null && _keys.ContainsKey(check.AccessKeyId):
                throw SqsErrors.RequestExpired(check.Problem ?? "Signature expired.");
            case SignatureStatus.Malformed when check.AccessKeyId is not null && _keys.ContainsKey(check.AccessKeyId):
                throw SqsErrors.IncompleteSignature(check.Problem ?? "The request signature is malformed.");
        }
        // An unknown key, or no signature at all: only a loopback caller, as the loopback user.
        return LoopbackUserOr(remote, check.Status == SignatureStatus.Missing ? SqsErrors.MissingAuthenticationToken() : SqsErrors.InvalidClientTokenId());
    }

    private User LoopbackUserOr(EndPoint? remote, SqsException refusal) =>
        Broker.IsLoopback(remote) && _service.Options.LoopbackUser.Length > 0 && _service.Broker.FindUser(_service.Options.LoopbackUser) is { } user
            ? user
            : throw refusal;
}
