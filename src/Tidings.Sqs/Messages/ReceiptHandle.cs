using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Tidings.Core.Queues;

namespace Tidings.Sqs.Messages;

/// <summary>
/// A receipt handle: one delivery of one message, settled by any later request. It is the queue's
/// name and the core's <see cref="DeliveryToken"/> (the entry's position and episode), base64url
/// encoded; the core finds the delivery from the token, and a token from an earlier receive of the
/// same message is stale there. Nothing secret: it names a delivery, it does not authorise one.
/// </summary>
public static class ReceiptHandle
{
    private const string Version = "t1";

    public static string Encode(string queueName, DeliveryToken token) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{Version}:{token.Position}:{token.Generation}:{queueName}")));

    /// <summary>The queue and token of a handle; false when it is not one this broker made.</summary>
    public static bool TryDecode(string handle, out string queueName, out DeliveryToken token)
    {
        queueName = "";
        token = default;
        if (handle.Length is 0 or > 1024) return false;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(handle);
        }
        catch (FormatException)
        {
            return false;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        var parts = text.Split(':', 4);
        if (parts.Length != 4 || parts[0] != Version) return false;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long position)) return false;
        if (!uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint generation)) return false;
        if (parts[3].Length == 0) return false;
        queueName = parts[3];
        token = new DeliveryToken(position, generation);
        return true;
    }
}
