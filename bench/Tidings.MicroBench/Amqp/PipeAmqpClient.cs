using System.IO.Pipelines;
using System.Text;
using Tidings.Amqp.Protocol;

namespace Tidings.MicroBench.Amqp;

/// <summary>
/// The handshake and set-up part of an AMQP 0-9-1 client over an <see cref="IDuplexPipe"/>:
/// sends methods and waits for their replies. Used once per benchmark, outside the measured
/// loop, so it favours clarity over allocations.
/// </summary>
public sealed class PipeAmqpClient(IDuplexPipe transport)
{
    /// <summary>How long a reply may take before set-up is declared stuck.</summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The negotiated frame-max (the server's offer, accepted as is).</summary>
    public uint FrameMax { get; private set; } = 131072;

    /// <summary>The transport's client side.</summary>
    public IDuplexPipe Transport { get; } = transport;

    /// <summary>Protocol header, start-ok (PLAIN guest/guest), tune-ok (no heartbeats), open "/".</summary>
    public async Task HandshakeAsync()
    {
        await Transport.Output.WriteAsync(ProtocolHeader.Amqp091.ToArray());
        await ExpectAsync<ConnectionStart>(0);
        await SendAsync(0, new ConnectionStartOk
        {
            ClientProperties = new Dictionary<string, object?> { ["product"] = "Tidings.MicroBench" },
            Mechanism = "PLAIN",
            Response = Encoding.UTF8.GetBytes("\0guest\0guest"),
        });
        var tune = await ExpectAsync<ConnectionTune>(0);
        FrameMax = tune.FrameMax;
        await SendAsync(0, new ConnectionTuneOk { ChannelMax = tune.ChannelMax, FrameMax = tune.FrameMax, Heartbeat = 0 });
        await SendAsync(0, new ConnectionOpen { VirtualHost = "/" });
        await ExpectAsync<ConnectionOpenOk>(0);
    }

    /// <summary>Writes one method frame and flushes.</summary>
    public async Task SendAsync<TMethod>(ushort channel, TMethod method)
        where TMethod : IAmqpMethod
    {
        FrameWriter.WriteMethod(Transport.Output, channel, method);
        await Transport.Output.FlushAsync();
    }

    /// <summary>Sends a method and waits for its reply.</summary>
    public async Task<TReply> CallAsync<TMethod, TReply>(ushort channel, TMethod method)
        where TMethod : IAmqpMethod
        where TReply : struct, IAmqpMethod<TReply>
    {
        await SendAsync(channel, method);
        return await ExpectAsync<TReply>(channel);
    }

    /// <summary>Reads frames until <typeparamref name="TReply"/> arrives on <paramref name="channel"/>; fails on anything else but heartbeats.</summary>
    public async Task<TReply> ExpectAsync<TReply>(ushort channel)
        where TReply : struct, IAmqpMethod<TReply>
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        var input = Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(timeout.Token);
            var buffer = result.Buffer;
            while (FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame))
            {
                if (frame.Type == FrameType.Heartbeat)
                {
                    continue;
                }

                if (frame.Type == FrameType.Method && frame.Channel == channel && frame.MethodId == default(TReply).Id)
                {
                    var reply = TReply.Read(frame.MethodArguments);
                    // Only what was consumed counts as examined: frames after the reply stay readable.
                    input.AdvanceTo(buffer.Start);
                    return reply;
                }

                string unexpected = Describe(frame);
                input.AdvanceTo(buffer.Start);
                throw new InvalidOperationException($"expected {default(TReply).Id} on channel {channel}, got {unexpected}");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new InvalidOperationException($"the broker closed the connection while {default(TReply).Id} was expected");
            }
        }
    }

    private static string Describe(AmqpFrame frame)
    {
        if (frame.Type != FrameType.Method)
        {
            return $"a {frame.Type} frame on channel {frame.Channel}";
        }

        var id = frame.MethodId;
        return id switch
        {
            AmqpMethodId.ConnectionClose => $"connection.close {ConnectionClose.Read(frame.MethodArguments).ReplyText}",
            AmqpMethodId.ChannelClose => $"channel.close {ChannelClose.Read(frame.MethodArguments).ReplyText}",
            _ => $"{AmqpMethods.Describe(id)} on channel {frame.Channel}",
        };
    }
}
