using System.Buffers;
using System.IO.Pipelines;
using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// Resource-alarm blocking. Like RabbitMQ, the broker stops processing a publishing client while
/// a memory or disk alarm is on, so its publishes wait unacknowledged in the client instead of in
/// broker memory. MQTT has no "blocked" notice, and a client whose PINGREQ goes unanswered takes
/// the connection for dead and drops it; so while blocked the reader still looks at what arrives
/// and answers the PINGREQs in it ahead of the publishes queued before them (keep-alive has no
/// ordering with PUBLISH), and skips them when it reaches them after the alarm.
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>PINGREQs still in the input that were answered while blocked. Reader loop only.</summary>
    private int _pingsAnsweredAhead;

    /// <summary>Waits until the alarm clears (or this client stops being one that is blocked), answering PINGREQs meanwhile.</summary>
    private async Task WaitWhileBlockedAsync(PipeReader input, CancellationToken cancellation)
    {
        var cleared = _broker.Alarms.WhenClearAsync();
        // Meanwhile the heartbeat check keeps the client alive (AlarmBlocking.HoldsSilence).
        while (_alarmBlocking.ShouldStopReading && !cleared.IsCompleted)
        {
            var read = input.ReadAsync(cancellation).AsTask();
            var done = await Task.WhenAny(read, cleared, Task.Delay(1000, cancellation)).ConfigureAwait(false);
            if (done != read)
            {
                input.CancelPendingRead();
                var cancelled = await read.ConfigureAwait(false);
                // Nothing examined: the normal read after the wait returns what is there at once.
                input.AdvanceTo(cancelled.Buffer.Start);
                cancellation.ThrowIfCancellationRequested();
                continue;
            }
            var result = await read.ConfigureAwait(false);
            AnswerPingsAhead(result.Buffer);
            // All examined: the next read while blocked waits for more bytes.
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            // A client that left while blocked: its session detaches or closes now, not at the alarm's end.
            if (result.IsCompleted) throw new OperationCanceledException("the client left while blocked");
        }
        // The wait ends now: keep-alive counts from here, not from the last refresh inside it.
        Volatile.Write(ref _lastReadTicks, _heartbeats.Now);
        // Whatever the last wait examined is read again by the packet loop.
        if (input.TryRead(out var rest)) input.AdvanceTo(rest.Buffer.Start);
    }

    /// <summary>Answers the PINGREQs among the whole packets waiting in <paramref name="buffer"/> that were not answered yet.</summary>
    private void AnswerPingsAhead(ReadOnlySequence<byte> buffer)
    {
        int pings = 0;
        try
        {
            while (MqttPacketReader.TryRead(ref buffer, _options.MaxPacketSize, out var packet))
            {
                if (packet.Type == MqttPacketType.PingReq) pings++;
            }
        }
        catch (MqttProtocolException)
        {
            // A bad packet further on is the packet loop's to report, after the alarm.
        }
        for (; _pingsAnsweredAhead < pings; _pingsAnsweredAhead++) Write(static (w, _) => MqttPacketWriter.WritePingResp(w), 0);
    }

    /// <summary>A PINGREQ reached by the packet loop: answered unless it was answered while blocked.</summary>
    private void OnPingRequest()
    {
        if (_pingsAnsweredAhead > 0)
        {
            _pingsAnsweredAhead--;
            return;
        }
        Write(static (w, _) => MqttPacketWriter.WritePingResp(w), 0);
    }
}
