using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tidings.Sqs.Signing;

/// <summary>
/// Checks AWS Signature Version 4 (AWS4-HMAC-SHA256) signatures, in the Authorization header or in
/// a presigned query string, against the secret of the signing access key.
/// </summary>
/// <remarks>
/// Statuses, not exceptions: every failure is an expected answer on a request path. A request whose
/// signature is right but whose time is off is <see cref="SignatureStatus.Expired"/>; the time is
/// checked after the signature so that Expired never speaks for a forged request.
/// </remarks>
public sealed class SigV4Verifier
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string Terminator = "aws4_request";
    private const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>How far a header-signed request's time may be from now, as AWS allows.</summary>
    private static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    /// <summary>The longest X-Amz-Expires AWS accepts: seven days.</summary>
    private const int MaxExpiresSeconds = 604800;

    /// <summary>Returns the secret access key of an access key id, or null when the id is unknown.</summary>
    private readonly Func<string, string?> _secretForAccessKey;

    /// <summary>The clock request times are compared with.</summary>
    private readonly TimeProvider _time;

    /// <summary>Checks signatures with the secrets <paramref name="secretForAccessKey"/> gives, against the time of <paramref name="time"/>.</summary>
    public SigV4Verifier(Func<string, string?> secretForAccessKey, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(secretForAccessKey);
        ArgumentNullException.ThrowIfNull(time);
        _secretForAccessKey = secretForAccessKey;
        _time = time;
    }

    /// <summary>Verifies the signature of <paramref name="request"/>.</summary>
    public SignatureCheck Verify(SignedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = FindHeader(request.Headers, "Authorization");
        if (authorization is not null) return VerifyHeader(request, authorization);
        if (HasQueryParameter(request.RawQuery, "X-Amz-Signature")) return VerifyPresigned(request);
        return new SignatureCheck(SignatureStatus.Missing, null, null, null, "the request is not signed");
    }

    /// <summary>Checks an "Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" request.</summary>
    private SignatureCheck VerifyHeader(SignedRequest request, string authorization)
    {
        var value = authorization.AsSpan().Trim();
        if (!value.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return Malformed(null, $"the Authorization header is not {Algorithm}");
        }

        string? credential = null, signedHeaders = null, signature = null;
        var fields = value[(Algorithm.Length + 1)..];
        foreach (var range in fields.Split(','))
        {
            var field = fields[range].Trim();
            var equals = field.IndexOf('=');
            if (equals <= 0) return Malformed(null, "the Authorization header has a field without '='");
            var fieldValue = field[(equals + 1)..].Trim().ToString();
            switch (field[..equals].Trim())
            {
                case "Credential": credential = fieldValue; break;
                case "SignedHeaders": signedHeaders = fieldValue; break;
                case "Signature": signature = fieldValue; break;
            }
        }
        if (credential is null || signedHeaders is null || signature is null)
        {
            return Malformed(null, "the Authorization header needs Credential, SignedHeaders and Signature");
        }
        if (!TryParseScope(credential, out var scope)) return Malformed(null, "the credential is not AKID/yyyyMMdd/region/service/aws4_request");

        string amzDate;
        var amzDateHeader = FindHeader(request.Headers, "X-Amz-Date");
        if (amzDateHeader is not null)
        {
            amzDate = amzDateHeader.Trim();
            if (!TryParseAmzDate(amzDate, out _)) return Malformed(scope, "X-Amz-Date is not yyyyMMddTHHmmssZ");
        }
        else if (FindHeader(request.Headers, "Date") is { } date && TryParseHttpDate(date, out var parsed))
        {
            amzDate = parsed.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        }
        else
        {
            return Malformed(scope, "the request has no valid X-Amz-Date or Date header");
        }

        var payloadHash = FindHeader(request.Headers, "X-Amz-Content-Sha256")?.Trim();
        if (payloadHash is null)
        {
            payloadHash = BodyHash(request.Body.Span);
        }
        else if (payloadHash != UnsignedPayload)
        {
            if (payloadHash.Length != 64 || !IsHex(payloadHash)) return Malformed(scope, "X-Amz-Content-Sha256 is neither a SHA-256 hex digest nor UNSIGNED-PAYLOAD");
            if (!payloadHash.Equals(BodyHash(request.Body.Span), StringComparison.OrdinalIgnoreCase))
            {
                return Fail(SignatureStatus.Mismatch, scope, "the body does not match X-Amz-Content-Sha256");
            }
        }

        var check = CheckSignature(request, scope, amzDate, signedHeaders, signature, presigned: false, [payloadHash]);
        if (check.Status != SignatureStatus.Valid) return check;

        TryParseAmzDate(amzDate, out var requestTime);
        var skew = _time.GetUtcNow() - requestTime;
        if (skew.Duration() > AllowedSkew) return Fail(SignatureStatus.Expired, scope, "the request time is more than 15 minutes from the server's time");
        return check;
    }

    /// <summary>Checks a presigned URL: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders and -Signature in the query.</summary>
    private SignatureCheck VerifyPresigned(SignedRequest request)
    {
        string? algorithm = null, credential = null, amzDate = null, expires = null, signedHeaders = null, signature = null, payloadHash = null;
        foreach (var (name, value) in CanonicalRequest.QueryParameters(request.RawQuery))
        {
            switch (name)
            {
                case "X-Amz-Algorithm": algorithm = value; break;
                case "X-Amz-Credential": credential = value; break;
                case "X-Amz-Date": amzDate = value; break;
                case "X-Amz-Expires": expires = value; break;
                case "X-Amz-SignedHeaders": signedHeaders = value; break;
                case "X-Amz-Signature": signature = value; break;
                case "X-Amz-Content-Sha256": payloadHash = value; break;
            }
        }
        if (algorithm != Algorithm) return Malformed(null, $"X-Amz-Algorithm is not {Algorithm}");
        if (credential is null || amzDate is null || expires is null || signedHeaders is null || signature is null)
        {
            return Malformed(null, "a presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature");
        }
        if (!TryParseScope(credential, out var scope)) return Malformed(null, "the credential is not AKID/yyyyMMdd/region/service/aws4_request");
        if (!TryParseAmzDate(amzDate, out var requestTime)) return Malformed(scope, "X-Amz-Date is not yyyyMMddTHHmmssZ");
        if (!int.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresSeconds) || expiresSeconds is < 1 or > MaxExpiresSeconds)
        {
            return Malformed(scope, "X-Amz-Expires must be 1 to 604800 seconds");
        }

        // A presigning client cannot know the body, so it signs either the empty body's hash
        // (botocore's SigV4QueryAuth) or UNSIGNED-PAYLOAD (the S3 convention); both are accepted.
        string[] payloadHashes = payloadHash is not null ? [payloadHash] : [BodyHash(request.Body.Span), UnsignedPayload];
        var check = CheckSignature(request, scope, amzDate, signedHeaders, signature, presigned: true, payloadHashes);
        if (check.Status != SignatureStatus.Valid) return check;

        var now = _time.GetUtcNow();
        if (requestTime - now > AllowedSkew) return Fail(SignatureStatus.Expired, scope, "the presigned URL's X-Amz-Date is in the future");
        if (now > requestTime.AddSeconds(expiresSeconds)) return Fail(SignatureStatus.Expired, scope, "the presigned URL has expired");
        return check;
    }

    /// <summary>
    /// Looks up the secret, builds the canonical request and string to sign, and compares the
    /// signature in constant time. Tries each of <paramref name="payloadHashes"/> until one matches.
    /// </summary>
    private SignatureCheck CheckSignature(
        SignedRequest request, Scope scope, string amzDate, string signedHeaders, string signature, bool presigned, string[] payloadHashes)
    {
        if (!amzDate.AsSpan(0, 8).SequenceEqual(scope.Date)) return Malformed(scope, "the credential scope's date is not the request's date");
        Span<byte> claimed = stackalloc byte[SHA256.HashSizeInBytes];
        if (signature.Length != 64 || Convert.FromHexString(signature, claimed, out _, out var written) != OperationStatus.Done || written != claimed.Length)
        {
            return Malformed(scope, "the signature is not 64 hex digits");
        }
        if (!signedHeaders.Split(';').Contains("host")) return Malformed(scope, "the host header must be signed");

        var secret = _secretForAccessKey(scope.AccessKeyId);
        if (secret is null) return Fail(SignatureStatus.UnknownAccessKey, scope, "the access key id is not known");

        // The canonical request up to its payload hash line, shared by every candidate hash.
        var sb = new StringBuilder(256);
        sb.Append(request.Method.ToUpperInvariant()).Append('\n');
        CanonicalRequest.AppendPath(sb, request.RawPath);
        sb.Append('\n');
        CanonicalRequest.AppendQuery(sb, request.RawQuery, skipSignature: presigned);
        sb.Append('\n');
        var missing = CanonicalRequest.AppendHeaders(sb, request.Headers, signedHeaders.ToLowerInvariant());
        if (missing is not null) return Fail(SignatureStatus.Mismatch, scope, $"the signed header '{missing}' is not in the request");
        sb.Append('\n').Append(signedHeaders).Append('\n');
        var prefixLength = sb.Length;

        Span<byte> signingKey = stackalloc byte[SHA256.HashSizeInBytes];
        DeriveSigningKey(secret, scope, signingKey);

        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        foreach (var payloadHash in payloadHashes)
        {
            sb.Length = prefixLength;
            sb.Append(payloadHash);
            var canonicalHash = Sha256Hex(sb.ToString());
            var stringToSign = $"{Algorithm}\n{amzDate}\n{scope.Date}/{scope.Region}/{scope.Service}/{Terminator}\n{canonicalHash}";
            HmacUtf8(signingKey, stringToSign, expected);
            if (CryptographicOperations.FixedTimeEquals(expected, claimed))
            {
                return new SignatureCheck(SignatureStatus.Valid, scope.AccessKeyId, scope.Service, scope.Region, null);
            }
        }
        return Fail(SignatureStatus.Mismatch, scope, "the signature does not match the request");
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").</summary>
    private static void DeriveSigningKey(string secret, Scope scope, Span<byte> key)
    {
        var secretBytes = Encoding.UTF8.GetBytes("AWS4" + secret);
        try
        {
            HmacUtf8(secretBytes, scope.Date, key);
            HmacUtf8(key, scope.Region, key);
            HmacUtf8(key, scope.Service, key);
            HmacUtf8(key, Terminator, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secretBytes);
        }
    }

    /// <summary>HMAC-SHA256 of the UTF-8 bytes of <paramref name="data"/>; <paramref name="destination"/> may be <paramref name="key"/>.</summary>
    private static void HmacUtf8(ReadOnlySpan<byte> key, string data, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetByteCount(data);
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(data, bytes);
            // Through a local buffer, so that the destination may be the key itself.
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(key, bytes.AsSpan(0, written), mac);
            mac.CopyTo(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static string Sha256Hex(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(text, bytes);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes.AsSpan(0, written), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static string BodyHash(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The value of the first header named <paramref name="name"/> (any case), or null.</summary>
    private static string? FindHeader(IReadOnlyList<KeyValuePair<string, string>> headers, string name)
    {
        foreach (var header in headers)
        {
            if (header.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) return header.Value;
        }
        return null;
    }

    /// <summary>True when the raw query has a parameter named <paramref name="name"/> (compared undecoded: AWS's names need no escapes).</summary>
    private static bool HasQueryParameter(string rawQuery, string name)
    {
        var query = rawQuery.AsSpan();
        foreach (var range in query.Split('&'))
        {
            var part = query[range];
            var equals = part.IndexOf('=');
            if ((equals < 0 ? part : part[..equals]).SequenceEqual(name)) return true;
        }
        return false;
    }

    private static bool TryParseAmzDate(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>
    /// Parses an RFC 1123 date ("Fri, 09 Sep 2011 23:36:00 GMT") ignoring the day name: .NET rejects
    /// a wrong one, and AWS's own test suite signs "Mon, 09 Sep 2011", a Friday.
    /// </summary>
    private static bool TryParseHttpDate(string value, out DateTimeOffset time)
    {
        var text = value.AsSpan().Trim();
        var comma = text.IndexOf(',');
        if (comma >= 0) text = text[(comma + 1)..].TrimStart();
        return DateTimeOffset.TryParseExact(text, "d MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }

    /// <summary>Parses "AKID/yyyyMMdd/region/service/aws4_request".</summary>
    private static bool TryParseScope(string credential, out Scope scope)
    {
        scope = default;
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts[4] != Terminator) return false;
        if (parts[0].Length == 0 || parts[2].Length == 0 || parts[3].Length == 0) return false;
        if (parts[1].Length != 8 || !DateTime.TryParseExact(parts[1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)) return false;
        scope = new Scope(parts[0], parts[1], parts[2], parts[3]);
        return true;
    }

    private static SignatureCheck Malformed(Scope? scope, string problem) => Fail(SignatureStatus.Malformed, scope, problem);

    private static SignatureCheck Fail(SignatureStatus status, Scope? scope, string problem) =>
        new(status, scope?.AccessKeyId, scope?.Service, scope?.Region, problem);

    /// <summary>The credential scope of a signature.</summary>
    private readonly record struct Scope(string AccessKeyId, string Date, string Region, string Service);
}
