using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging;
using Tidings.Connections.Flow;
using Tidings.Connections.Heartbeats;
using Tidings.Connections.Output;
using Tidings.Core;
using Tidings.Core.Sessions;
using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// One MQTT connection: CONNECT, then the packet loop over one core session (number 1). The
/// reader loop is the only caller of the session; queue threads deliver into it as
/// <see cref="IConsumerSink"/> and append PUBLISH packets to <see cref="Output"/>. Split by
/// concern: handshake, publish, subscribe, delivery, keep-alive and will.
/// </summary>
internal sealed partial class MqttConnection : IHeartbeatChecked
{
    /// <summary>The broker this connection serves.</summary>
    private readonly Broker _broker;
    /// <summary>The listener's settings.</summary>
    private readonly MqttOptions _options;
    /// <summary>The socket's pipes (decrypted when the listener is TLS).</summary>
    private readonly IDuplexPipe _transport;
    /// <summary>Connection log.</summary>
    private readonly ILogger _logger;
    /// <summary>Checks keep-alive and the CONNECT deadline; shared by every connection of the server.</summary>
    private readonly ConnectionHeartbeat _heartbeats;
    /// <summary>Cancelled to stop the reader loop: takeover, keep-alive timeout, management, shutdown.</summary>
    private readonly CancellationTokenSource _stopReading = new();
    /// <summary>Completed when the connection has fully closed (its session detached or closed): takeover waits for it.</summary>
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>Pauses deliveries while too much output waits for the socket.</summary>
    private readonly OutputPressure _pressure;
    /// <summary>Stops reading a publishing client while a resource alarm is on.</summary>
    private readonly AlarmBlocking _alarmBlocking;
    /// <summary>Milliseconds (<see cref="ConnectionHeartbeat.Now"/>) of the last packet received; written by the reader, read by the heartbeat.</summary>
    private long _lastReadTicks;
    /// <summary>When a connection that has not sent CONNECT is dropped.</summary>
    private readonly long _connectDeadline;
    /// <summary>Set once CONNECT was accepted; read by the heartbeat.</summary>
    private volatile bool _connected;
    /// <summary>Set when the reader must stop after the current packet (DISCONNECT received, a protocol error answered).</summary>
    private bool _closing;

    /// <summary>The per-connection decoder, in the version CONNECT named.</summary>
    private MqttPacketDecoder _decoder = null!;
    /// <summary>The core connection, after CONNECT.</summary>
    private ClientConnection? _connection;

    public MqttConnection(Broker broker, MqttOptions options, IDuplexPipe transport, EndPoint? remoteEndPoint,
        EndPoint? localEndPoint, ILogger logger, ConnectionHeartbeat heartbeats)
    {
        _broker = broker;
        _options = options;
        _transport = transport;
        _logger = logger;
        _heartbeats = heartbeats;
        RemoteEndPoint = remoteEndPoint;
        LocalEndPoint = localEndPoint;
        _lastReadTicks = heartbeats.Now;
        _connectDeadline = heartbeats.Now + (long)options.ConnectTimeout.TotalMilliseconds;
        Output = new OutboundBuffer(heartbeats);
        _pressure = new OutputPressure(Output, options.MaxPendingOutputBytes, this);
        _alarmBlocking = new AlarmBlocking(broker.Alarms, this, transport.Input);
        _droppedOversize = MqttMetrics.DroppedOversizeCounter(broker);
    }

    /// <summary>Packets waiting to be written to the socket.</summary>
    internal OutboundBuffer Output { get; }

    internal EndPoint? RemoteEndPoint { get; }

    internal EndPoint? LocalEndPoint { get; }

    /// <summary>Names this connection in fault reports.</summary>
    public string Description => $"MQTT connection from {RemoteEndPoint}";

    /// <summary>The negotiated protocol version (3.1 is answered as 3.1.1).</summary>
    internal MqttProtocolVersion Version { get; private set; } = MqttProtocolVersion.V311;

    private bool IsV5 => Version == MqttProtocolVersion.V500;

    /// <summary>Completes once the connection is closed and its session detached or closed.</summary>
    internal Task Closed => _closed.Task;

    /// <summary>Runs the connection until the client leaves or an error closes it.</summary>
    /// <param name="shutdown">Broker shutdown: a 5.0 client is sent DISCONNECT 0x8B.</param>
    public async Task RunAsync(CancellationToken shutdown)
    {
        using var onShutdown = shutdown.UnsafeRegister(static s =>
        {
            var c = (MqttConnection)s!;
            c.SendDisconnect(MqttReasonCode.ServerShuttingDown);
            c._stopReading.Cancel();
        }, this);
        var writer = Output.RunAsync(_transport.Output);
        _heartbeats.Add(this);
        try
        {
            if (await ReadConnectAsync(_stopReading.Token).ConfigureAwait(false))
            {
                await ReadPacketsAsync(_stopReading.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or Microsoft.AspNetCore.Connections.ConnectionResetException
                                       or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The peer went away mid-read: an abnormal close, so the will is due.
        }
        catch (Exception e)
        {
            Log.UnexpectedError(_logger, RemoteEndPoint, e);
        }
        finally
        {
            _heartbeats.Remove(this);
            _alarmBlocking.Detach();
            try
            {
                EndConnection();
            }
            catch (Exception e)
            {
                _broker.Faults.Report($"{Description}: closing", e);
            }
            Output.Complete();
            try
            {
                await writer.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The socket is going away; nothing more to send.
            }
            await _transport.Output.CompleteAsync().ConfigureAwait(false);
            await _transport.Input.CompleteAsync().ConfigureAwait(false);
            _closed.TrySetResult();
        }
    }

    /// <summary>The packet loop after CONNECT.</summary>
    private async Task ReadPacketsAsync(CancellationToken cancellation)
    {
        var input = _transport.Input;
        while (!_closing)
        {
            if (_alarmBlocking.ShouldStopReading) await WaitWhileBlockedAsync(input, cancellation).ConfigureAwait(false);
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            long before = buffer.Length;
            bool heldBack = false;
            try
            {
                var unread = buffer;
                while (!_closing && MqttPacketReader.TryRead(ref buffer, _options.MaxPacketSize, out var packet))
                {
                    // An alarm came on while this read was pending: the packet and the rest of the
                    // read wait, unprocessed, until it clears.
                    if (_alarmBlocking.ShouldStopReading)
                    {
                        buffer = unread;
                        heldBack = true;
                        break;
                    }
                    Volatile.Write(ref _lastReadTicks, _heartbeats.Now);
                    HandlePacketSafely(packet);
                    unread = buffer;
                }
            }
            catch (MqttProtocolException e)
            {
                // The fixed header itself is bad (or the packet too large): nothing after it can be trusted.
                Fail(e.ReasonCode, e.Message);
                buffer = buffer.Slice(buffer.End);
            }
            finally
            {
                _connection?.CountTraffic(before - buffer.Length, 0);
                // Held back: nothing after the consumed part was examined, so the next read
                // returns it at once once the alarm clears.
                if (heldBack) input.AdvanceTo(buffer.Start);
                else input.AdvanceTo(buffer.Start, buffer.End);
            }
            RunDeferredWork();
            if (result.IsCompleted) return;
        }
    }

    private void HandlePacketSafely(in MqttPacket packet)
    {
        try
        {
            HandlePacket(packet);
        }
        catch (MqttProtocolException e)
        {
            Fail(e.ReasonCode, e.Message);
        }
        catch (BrokerException e)
        {
            Fail(e.Error == BrokerError.AccessRefused ? MqttReasonCode.NotAuthorized : MqttReasonCode.UnspecifiedError, e.Message);
        }
        catch (Exception e)
        {
            // A fault of ours, not the client's: this connection closes, everyone else carries on.
            _broker.Faults.Report($"{Description}: {packet.Type}", e);
            Fail(MqttReasonCode.ImplementationSpecificError, $"{packet.Type} failed: {e.GetType().Name}");
        }
    }

    private void HandlePacket(in MqttPacket packet)
    {
        _decoder.CheckClientMaySend(packet.Type);
        switch (packet.Type)
        {
            case MqttPacketType.Publish:
                OnPublish(_decoder.DecodePublish(packet));
                return;
            case MqttPacketType.PubAck:
            case MqttPacketType.PubRec:
            case MqttPacketType.PubRel:
            case MqttPacketType.PubComp:
                OnPublishAck(_decoder.DecodePublishAck(packet));
                return;
            case MqttPacketType.Subscribe:
                OnSubscribe(_decoder.DecodeSubscribe(packet));
                return;
            case MqttPacketType.Unsubscribe:
                OnUnsubscribe(_decoder.DecodeUnsubscribe(packet));
                return;
            case MqttPacketType.PingReq:
                OnPingRequest();
                return;
            case MqttPacketType.Disconnect:
                OnDisconnect(_decoder.DecodeDisconnect(packet));
                return;
            case MqttPacketType.Auth:
                _decoder.DecodeAuth(packet);
                // No enhanced authentication: CONNECT never named a method, so AUTH is a protocol error.
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "AUTH without an authentication method");
            case MqttPacketType.Connect:
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "a second CONNECT");
            default:
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"unexpected {packet.Type}");
        }
    }

    /// <summary>
    /// A protocol error or a refusal that ends the connection: 5.0 is told with DISCONNECT and the
    /// reason code, 3.1.1 is just closed (it has no way to say why). The will is due.
    /// </summary>
    private void Fail(MqttReasonCode reason, string text)
    {
        if (_closing) return;
        Log.ConnectionError(_logger, RemoteEndPoint, $"{text} (0x{(byte)reason:X2})");
        SendDisconnect(reason);
        _closing = true;
    }

    /// <summary>5.0 only: DISCONNECT with <paramref name="reason"/>; callable from any thread.</summary>
    private void SendDisconnect(MqttReasonCode reason)
    {
        if (!IsV5 || !_connected) return;
        var w = Output.Enter();
        try
        {
            // Nothing may follow DISCONNECT [MQTT-3.14.4-1]: later packets (deliveries from queue
            // threads, confirms from the commit loop, a second DISCONNECT) are dropped by the buffer.
            MqttPacketWriter.WriteDisconnect(w, reason);
            Output.Seal();
        }
        finally
        {
            Output.Exit();
        }
    }

    /// <summary>Appends one packet written by <paramref name="write"/>; any thread.</summary>
    private void Write(Action<IBufferWriter<byte>, int> write, int argument)
    {
        var w = Output.Enter();
        try
        {
            write(w, argument);
        }
        finally
        {
            Output.Exit();
        }
    }

    /// <summary>Appends a PUBACK family packet; any thread (confirms come from the store's commit loop).</summary>
    private void WriteAck(MqttPacketType type, ushort packetId, MqttReasonCode reason = MqttReasonCode.Success)
    {
        var w = Output.Enter();
        try
        {
            MqttPacketWriter.WritePublishAck(w, Version, new MqttPublishAckPacket(type, packetId, reason));
        }
        finally
        {
            Output.Exit();
        }
    }

    /// <summary>Stops the reader loop from another thread (takeover, keep-alive timeout, management).</summary>
    private void Stop() => _stopReading.Cancel();
}
