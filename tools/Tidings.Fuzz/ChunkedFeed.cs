using System.IO.Pipelines;

namespace Tidings.Fuzz;

/// <summary>
/// Writes a client's input into the connection's pipe in chunks of random size, so that packets
/// and frames straddle reads as they do on a socket. The sizes come from the input itself, so a
/// replay splits it the same way.
/// </summary>
internal static class ChunkedFeed
{
    /// <summary>Writes <paramref name="input"/>; then completes the writer (the client's end of input) unless told not to.</summary>
    /// <returns>False when the server stopped reading before all of it was written.</returns>
    public static async Task<bool> WriteAsync(PipeWriter writer, byte[] input, bool complete = true)
    {
        var random = new Random(InputHash.Of(input));
        int offset = 0;
        bool all = true;
        try
        {
            while (offset < input.Length)
            {
                int chunk = random.Next(4) switch
                {
                    0 => input.Length - offset,
                    1 => 1 + random.Next(8),
                    _ => 1 + random.Next(512),
                };
                chunk = Math.Min(chunk, input.Length - offset);
                var result = await writer.WriteAsync(input.AsMemory(offset, chunk)).ConfigureAwait(false);
                offset += chunk;
                if (result.IsCompleted)
                {
                    all = offset == input.Length;
                    break;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The server completed its reader: it is done with this connection.
            all = false;
        }
        if (complete) await writer.CompleteAsync().ConfigureAwait(false);
        return all;
    }
}
