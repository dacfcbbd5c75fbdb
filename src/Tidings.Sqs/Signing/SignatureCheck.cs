namespace Tidings.Sqs.Signing;

/// <summary>
/// The result of <see cref="SigV4Verifier.Verify"/>: the status, the access key id, service and
/// region of the credential scope when they could be read, and for any status but
/// <see cref="SignatureStatus.Valid"/> a short reason fit for an error reply.
/// </summary>
public readonly record struct SignatureCheck(
    SignatureStatus Status,
    string? AccessKeyId,
    string? Service,
    string? Region,
    string? Problem);
