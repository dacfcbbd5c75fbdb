namespace Tidings.Sqs.Signing;

/// <summary>
/// An HTTP request as it arrived, with what Signature Version 4 covers: the method, the path as sent
/// (still percent-encoded), the query string as sent without its '?' (empty when there is none), the
/// headers (names in any case; a name may repeat) and the body.
/// </summary>
public sealed record SignedRequest(
    string Method,
    string RawPath,
    string RawQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    ReadOnlyMemory<byte> Body);
