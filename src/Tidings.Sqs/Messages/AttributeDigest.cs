using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Tidings.Sqs.Messages;

/// <summary>
/// The MD5 digests SQS returns with messages (MD5OfMessageBody, MD5OfMessageAttributes,
/// MD5OfMessageSystemAttributes). SDKs recompute them and reject a reply whose digest differs, so
/// the encoding must match AWS's byte for byte.
/// </summary>
public static class AttributeDigest
{
    /// <summary>Bodies and values up to this many UTF-8 bytes are encoded on the stack.</summary>
    private const int StackLimit = 512;

    /// <summary>Transport type byte for String and Number values (and their custom types).</summary>
    private const byte StringTransport = 1;

    /// <summary>Transport type byte for Binary values.</summary>
    private const byte BinaryTransport = 2;

    /// <summary>Lower-case hex MD5 of the UTF-8 bytes of <paramref name="body"/>.</summary>
    public static string Md5OfBody(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        var length = Encoding.UTF8.GetByteCount(body);
        byte[]? rented = null;
        Span<byte> bytes = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(body, bytes);
            MD5.HashData(bytes[..written], digest);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>
    /// Lower-case hex MD5 of <paramref name="attributes"/> in AWS's encoding, or null when there are
    /// none: SQS omits the digest then, and an MD5 of nothing makes some SDKs (PHP) throw.
    /// </summary>
    /// <remarks>
    /// Each attribute, in ordinal order of names: length-prefixed name, length-prefixed data type
    /// (with its custom suffix), one transport-type byte, length-prefixed value bytes. Lengths are
    /// 4-byte big-endian; a Binary value is its raw bytes, not the base64 text.
    /// </remarks>
    public static string? Md5OfAttributes(IReadOnlyList<SqsAttribute> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var count = attributes.Count;
        if (count == 0) return null;

        var sorted = ArrayPool<SqsAttribute>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++) sorted[i] = attributes[i];
            // Ordinal on UTF-16, as the .NET and Java SDKs sort; SQS names are ASCII anyway.
            Array.Sort(sorted, 0, count, NameOrder.Instance);

            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            for (var i = 0; i < count; i++)
            {
                ref readonly var attribute = ref sorted[i];
                AppendString(md5, attribute.Name);
                AppendString(md5, attribute.DataType);
                if (attribute.IsBinary)
                {
                    AppendByte(md5, BinaryTransport);
                    AppendBytes(md5, attribute.BinaryValue ?? []);
                }
                else
                {
                    AppendByte(md5, StringTransport);
                    AppendString(md5, attribute.StringValue ?? "");
                }
            }

            Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
            md5.GetHashAndReset(digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            // Cleared so the pool does not keep attribute values alive.
            ArrayPool<SqsAttribute>.Shared.Return(sorted, clearArray: true);
        }
    }

    /// <summary>Appends the 4-byte big-endian UTF-8 length of <paramref name="text"/>, then its UTF-8 bytes.</summary>
    private static void AppendString(IncrementalHash md5, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        AppendLength(md5, length);
        byte[]? rented = null;
        Span<byte> bytes = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(text, bytes);
            md5.AppendData(bytes[..written]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Appends the 4-byte big-endian length of <paramref name="bytes"/>, then the bytes.</summary>
    private static void AppendBytes(IncrementalHash md5, ReadOnlySpan<byte> bytes)
    {
        AppendLength(md5, bytes.Length);
        md5.AppendData(bytes);
    }

    private static void AppendLength(IncrementalHash md5, int length)
    {
        Span<byte> prefix = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        md5.AppendData(prefix);
    }

    private static void AppendByte(IncrementalHash md5, byte value)
    {
        ReadOnlySpan<byte> one = [value];
        md5.AppendData(one);
    }

    /// <summary>Orders attributes by name, ordinally.</summary>
    private sealed class NameOrder : IComparer<SqsAttribute>
    {
        public static readonly NameOrder Instance = new();

        public int Compare(SqsAttribute x, SqsAttribute y) => string.CompareOrdinal(x.Name, y.Name);
    }
}
