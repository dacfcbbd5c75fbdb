using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Tidings.Http.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4 as UTF-8 straight into a pipe (the HTTP
/// response): numbers and names are formatted into the pipe's buffer, so a sample costs no
/// allocation. The caller awaits <see cref="FlushIfFullAsync"/> between samples so a large
/// scrape streams out in chunks instead of being built in memory.
/// </summary>
internal sealed class PrometheusTextWriter(PipeWriter output)
{
    /// <summary>The Content-Type of format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Bytes written since the last flush after which <see cref="FlushIfFullAsync"/> flushes.</summary>
    private const int FlushThresholdBytes = 64 * 1024;

    /// <summary>Room for " " + a long or a double + "\n".</summary>
    private const int MaxNumberTail = 34;

    /// <summary>Characters a label value escapes with a backslash: backslash, double quote, line feed.</summary>
    private static readonly SearchValues<char> LabelEscapes = SearchValues.Create("\\\"\n");

    /// <summary>Characters a HELP text escapes: backslash and line feed.</summary>
    private static readonly SearchValues<char> HelpEscapes = SearchValues.Create("\\\n");

    /// <summary>Bytes written since the last flush; only the writing request touches it.</summary>
    private long _unflushed;

    /// <summary>Writes the <c># HELP</c> and <c># TYPE</c> lines that open a metric family of <paramref name="type"/> "counter", "gauge" or "histogram".</summary>
    public void Family(string name, string type, string help)
    {
        var span = output.GetSpan(2 * name.Length + type.Length + MaxEscapedBytes(help) + 20);
        int n = PutAscii(span, "# HELP ");
        n += PutAscii(span[n..], name);
        span[n++] = (byte)' ';
        n += PutEscaped(span[n..], help, HelpEscapes);
        n += PutAscii(span[n..], "\n# TYPE ");
        n += PutAscii(span[n..], name);
        span[n++] = (byte)' ';
        n += PutAscii(span[n..], type);
        span[n++] = (byte)'\n';
        Advance(n);
    }

    /// <summary>A sample without labels.</summary>
    public void Sample(string name, long value)
    {
        var span = output.GetSpan(name.Length + MaxNumberTail);
        int n = PutAscii(span, name);
        n += PutValue(span[n..], value);
        Advance(n);
    }

    /// <summary>A sample with one label.</summary>
    public void Sample(string name, string label, string labelValue, long value)
    {
        var span = output.GetSpan(name.Length + LabelBound(label, labelValue) + 2 + MaxNumberTail);
        int n = PutAscii(span, name);
        span[n++] = (byte)'{';
        n += PutLabel(span[n..], label, labelValue);
        span[n++] = (byte)'}';
        n += PutValue(span[n..], value);
        Advance(n);
    }

    /// <summary>A sample with two labels; the whole line is formatted into one buffer.</summary>
    public void Sample(string name, string label1, string value1, string label2, string value2, long value)
    {
        var span = output.GetSpan(name.Length + LabelBound(label1, value1) + LabelBound(label2, value2) + 3 + MaxNumberTail);
        int n = PutAscii(span, name);
        span[n++] = (byte)'{';
        n += PutLabel(span[n..], label1, value1);
        span[n++] = (byte)',';
        n += PutLabel(span[n..], label2, value2);
        span[n++] = (byte)'}';
        n += PutValue(span[n..], value);
        Advance(n);
    }

    /// <summary>A sample with three labels (a stream's consumer position: vhost, stream, consumer).</summary>
    public void Sample(string name, string label1, string value1, string label2, string value2, string label3, string value3,
        long value)
    {
        var span = output.GetSpan(name.Length + LabelBound(label1, value1) + LabelBound(label2, value2) + LabelBound(label3, value3)
            + 4 + MaxNumberTail);
        int n = PutAscii(span, name);
        span[n++] = (byte)'{';
        n += PutLabel(span[n..], label1, value1);
        span[n++] = (byte)',';
        n += PutLabel(span[n..], label2, value2);
        span[n++] = (byte)',';
        n += PutLabel(span[n..], label3, value3);
        span[n++] = (byte)'}';
        n += PutValue(span[n..], value);
        Advance(n);
    }

    /// <summary>A sample without labels and a fractional value (a histogram's sum).</summary>
    public void Sample(string name, double value)
    {
        var span = output.GetSpan(name.Length + MaxNumberTail);
        int n = PutAscii(span, name);
        span[n++] = (byte)' ';
        n += PutDouble(span[n..], value);
        span[n++] = (byte)'\n';
        Advance(n);
    }

    /// <summary>One cumulative histogram bucket: <c>name_bucket{le="bound"} count</c>; a null bound is +Inf.</summary>
    public void Bucket(string name, double? upperBound, long cumulativeCount)
    {
        var span = output.GetSpan(name.Length + 16 + 2 * MaxNumberTail);
        int n = PutAscii(span, name);
        n += PutAscii(span[n..], "_bucket{le=\"");
        n += upperBound is { } bound ? PutDouble(span[n..], bound) : PutAscii(span[n..], "+Inf");
        n += PutAscii(span[n..], "\"}");
        n += PutValue(span[n..], cumulativeCount);
        Advance(n);
    }

    /// <summary>
    /// Flushes to the client once enough is buffered; false when the client went away. Not an
    /// async method, so the common no-flush case costs no state machine, even in debug builds.
    /// </summary>
    public ValueTask<bool> FlushIfFullAsync(CancellationToken cancellationToken) =>
        _unflushed < FlushThresholdBytes ? ValueTask.FromResult(true) : FlushAsync(cancellationToken);

    /// <summary>Flushes everything written so far. False when the client went away.</summary>
    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        _unflushed = 0;
        var result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return !result.IsCanceled && !result.IsCompleted;
    }

    /// <summary>Bytes a label needs at most: name, =", the escaped UTF-8 value, ".</summary>
    private static int LabelBound(string name, string value) => name.Length + 3 + MaxEscapedBytes(value);

    /// <summary>UTF-8 needs at most 3 bytes per UTF-16 char (a surrogate pair: 4 for 2); an escape needs 2.</summary>
    private static int MaxEscapedBytes(string value) => value.Length * 3;

    private static int PutLabel(Span<byte> span, string name, string value)
    {
        int n = PutAscii(span, name);
        span[n++] = (byte)'=';
        span[n++] = (byte)'"';
        n += PutEscaped(span[n..], value, LabelEscapes);
        span[n++] = (byte)'"';
        return n;
    }

    /// <summary>" value\n".</summary>
    private static int PutValue(Span<byte> span, long value)
    {
        span[0] = (byte)' ';
        value.TryFormat(span[1..], out int written, default, CultureInfo.InvariantCulture);
        span[1 + written] = (byte)'\n';
        return written + 2;
    }

    private static int PutDouble(Span<byte> span, double value)
    {
        // Shortest round-trip form ("0.0001", "2.5", "1E-05"), which Prometheus parses as a Go float.
        value.TryFormat(span, out int written, "R", CultureInfo.InvariantCulture);
        return written;
    }

    /// <summary>Metric names, label names and fixed text are ASCII: one byte per char.</summary>
    private static int PutAscii(Span<byte> span, string text) => Encoding.ASCII.GetBytes(text, span);

    /// <summary>UTF-8 with a backslash before each escaped char; a line feed becomes <c>\n</c>.</summary>
    private static int PutEscaped(Span<byte> span, string text, SearchValues<char> escapes)
    {
        var rest = text.AsSpan();
        int written = 0;
        while (true)
        {
            int next = rest.IndexOfAny(escapes);
            var plain = next < 0 ? rest : rest[..next];
            // Escapes are ASCII, so cutting at one never splits a surrogate pair.
            written += Encoding.UTF8.GetBytes(plain, span[written..]);
            if (next < 0) return written;
            span[written++] = (byte)'\\';
            span[written++] = rest[next] == '\n' ? (byte)'n' : (byte)rest[next];
            rest = rest[(next + 1)..];
        }
    }

    private void Advance(int count)
    {
        output.Advance(count);
        _unflushed += count;
    }
}
