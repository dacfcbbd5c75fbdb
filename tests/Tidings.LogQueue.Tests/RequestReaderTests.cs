using System.Buffers;
using System.Text;

namespace Tidings.LogQueue.Tests;

/// <summary>The JSON body reader alone, including bodies split across buffers as a slow client sends them.</summary>
public sealed class RequestReaderTests
{
    [Fact]
    public void Reads_every_field_and_ignores_unknown_ones()
    {
        var request = Read("{\"topic\": \"t\", \"extra\": {\"a\": [1, 2]}, \"producer_id\": 7, \"consumer_id\": 8, \"name\": \"n\", \"message\": \"a\\nb\"}");

        Assert.Null(request.Problem);
        Assert.Equal("t", request.Topic);
        Assert.Equal("n", request.Name);
        Assert.Equal(7, request.ProducerId);
        Assert.Equal(8, request.ConsumerId);
        Assert.Equal("a\nb", Encoding.UTF8.GetString(request.Message!));
    }

    [Fact]
    public void A_body_split_across_segments_reads_the_same()
    {
        byte[] json = Encoding.UTF8.GetBytes("{\"topic\": \"logs\", \"producer_id\": 12, \"message\": \"hello \\u00e9 world\"}");
        var first = new Segment(json.AsMemory(0, 20));
        var last = first.Append(json.AsMemory(20, 15)).Append(json.AsMemory(35));
        var request = new LogQueueRequest();

        LogQueueRequestReader.ReadJson(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), request, 1000);

        Assert.Null(request.Problem);
        Assert.Equal("logs", request.Topic);
        Assert.Equal(12, request.ProducerId);
        Assert.Equal("hello é world", Encoding.UTF8.GetString(request.Message!));
    }

    [Fact]
    public void Raw_bytes_that_are_not_utf8_are_refused()
    {
        byte[] json = [.. "{\"message\": \""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()];
        var request = new LogQueueRequest();

        LogQueueRequestReader.ReadJson(new ReadOnlySequence<byte>(json), request, 1000);

        Assert.NotNull(request.Problem);
    }

    [Fact]
    public void Deep_nesting_is_malformed_not_a_crash()
    {
        var request = Read("{\"x\": " + new string('[', 100) + new string(']', 100) + "}");

        Assert.StartsWith("malformed JSON", request.Problem, StringComparison.Ordinal);
    }

    private static LogQueueRequest Read(string json)
    {
        var request = new LogQueueRequest();
        LogQueueRequestReader.ReadJson(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)), request, 1000);
        return request;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
