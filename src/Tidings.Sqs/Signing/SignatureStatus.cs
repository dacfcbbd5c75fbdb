namespace Tidings.Sqs.Signing;

/// <summary>The outcome of checking a request's Signature Version 4 signature.</summary>
public enum SignatureStatus
{
    /// <summary>The signature is the one the secret of its access key gives, and the request is current.</summary>
    Valid,
    /// <summary>No Authorization header and no X-Amz-Signature query parameter: an anonymous request.</summary>
    Missing,
    /// <summary>Signing information is present but cannot be parsed or is inconsistent (AWS: IncompleteSignature, InvalidParameterValue).</summary>
    Malformed,
    /// <summary>The access key id is not known (AWS: InvalidClientTokenId).</summary>
    UnknownAccessKey,
    /// <summary>The signature differs from the one computed over the request (AWS: SignatureDoesNotMatch).</summary>
    Mismatch,
    /// <summary>The signature is right but the request time is too far from now, or a presigned URL has expired (AWS: RequestTimeTooSkewed, RequestExpired).</summary>
    Expired,
}
