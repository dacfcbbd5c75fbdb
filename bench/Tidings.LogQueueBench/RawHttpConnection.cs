using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Tidings.LogQueueBench;

/// <summary>
/// One kept-alive HTTP/1.1 connection, one request in flight: writes a request built once, reads the
/// answer (Content-Length or chunked) into a reused buffer. Enough HTTP for a benchmark against a
/// known server, not a general client.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly string _host;

    // Received bytes; [_start, _end) not consumed yet. One request at a time, so one reader.
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    // The last answer's body, decoded (chunks joined).
    private readonly MemoryStream _body = new();

    private RawHttpConnection(Socket socket, string host)
    {
        _socket = socket;
        _host = host;
    }

    public static async Task<RawHttpConnection> OpenAsync(Uri server, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, cancellationToken);
            return new RawHttpConnection(socket, $"{server.Host}:{server.Port}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of one request with a JSON body (GET with a body, as the course's clients send it).</summary>
    public byte[] Request(string method, string path, string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        string head = $"{method} {path} HTTP/1.1\r\nHost: {_host}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    /// <summary>Sends <paramref name="request"/> and reads the whole answer; returns the status code, the body in <see cref="Body"/>.</summary>
    public async Task<int> SendAsync(byte[] request, CancellationToken cancellationToken)
    {
        await _socket.SendAsync(request, SocketFlags.None, cancellationToken);
        _body.SetLength(0);
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync(cancellationToken);
        }
        ReadOnlySpan<byte> head = _buffer.AsSpan(_start, headEnd);
        int status = ParseStatus(head);
        long contentLength = -1;
        bool chunked = false;
        foreach (Range lineRange in head.Split("\r\n"u8))
        {
            ReadOnlySpan<byte> line = head[lineRange];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }
            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                Utf8Parser.TryParse(value, out contentLength, out _);
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8) && Ascii.EqualsIgnoreCase(value, "chunked"u8))
            {
                chunked = true;
            }
        }
        _start += headEnd + 4;
        if (chunked)
        {
            while (true)
            {
                int lineEnd;
                while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                {
                    await FillAsync(cancellationToken);
                }
                ReadOnlySpan<byte> sizeText = _buffer.AsSpan(_start, lineEnd);
                int semicolon = sizeText.IndexOf((byte)';');
                if (semicolon >= 0)
                {
                    sizeText = sizeText[..semicolon];
                }
                if (!Utf8Parser.TryParse(sizeText, out int size, out _, 'X'))
                {
                    throw new IOException("bad chunk size");
                }
                _start += lineEnd + 2;
                await ReadBodyAsync(size + 2, cancellationToken); // the chunk and its CRLF
                _body.SetLength(_body.Length - 2);
                if (size == 0)
                {
                    break; // no trailers expected
                }
            }
        }
        else if (contentLength > 0)
        {
            await ReadBodyAsync((int)contentLength, cancellationToken);
        }
        return status;
    }

    public ReadOnlySpan<byte> Body => _body.GetBuffer().AsSpan(0, (int)_body.Length);

    private async Task ReadBodyAsync(int count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_end == _start)
            {
                await FillAsync(cancellationToken);
            }
            int take = Math.Min(count, _end - _start);
            _body.Write(_buffer, _start, take);
            _start += take;
            count -= take;
        }
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            throw new IOException("the server closed the connection");
        }
        _end += read;
    }

    private static int ParseStatus(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 200 OK"
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            throw new IOException("bad status line");
        }
        return status;
    }

    public void Dispose() => _socket.Dispose();
}
