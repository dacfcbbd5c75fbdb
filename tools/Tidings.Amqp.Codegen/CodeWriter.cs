using System.Text;

namespace Tidings.Amqp.Codegen;

/// <summary>Appends indented lines with '\n' endings, so the output is the same on every OS.</summary>
internal sealed class CodeWriter
{
    // The text written so far; only this writer appends to it.
    private readonly StringBuilder _text = new();

    // Current indentation depth in units of four spaces.
    private int _depth;

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _depth * 4).Append(line);
        }

        _text.Append('\n');
    }

    public void Open(string line)
    {
        Line(line);
        Line("{");
        _depth++;
    }

    public void Close(string suffix = "")
    {
        _depth--;
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
