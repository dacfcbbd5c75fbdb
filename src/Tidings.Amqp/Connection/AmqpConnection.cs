using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Tidings.Amqp.Protocol;
using Tidings.Connections.Flow;
using Tidings.Connections.Heartbeats;
using Tidings.Connections.Output;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Core.Sessions;

namespace Tidings.Amqp.Connection;

/// <summary>
/// One AMQP 0-9-1 connection: the handshake, the frame loop and the channels. The reader loop
/// is the only caller of the channel and session methods; frames go out through
/// <see cref="Output"/>, which queue threads also append deliveries to.
/// </summary>
internal sealed partial class AmqpConnection : IHeartbeatChecked
{
    private enum State { AwaitingStartOk, AwaitingTuneOk, AwaitingOpen, Open, Closing, Closed }

    /// <summary>The broker this connection serves.</summary>
    private readonly Broker _broker;
    /// <summary>The listener's settings.</summary>
    private readonly AmqpOptions _options;
    /// <summary>The socket's pipes (decrypted when the listener is TLS).</summary>
    private readonly IDuplexPipe _transport;
    /// <summary>Connection lifecycle and error log.</summary>
    private readonly ILogger _logger;
    /// <summary>Open channels by number. Touched only by the reader loop.</summary>
    private readonly Dictionary<ushort, AmqpChannel> _channels = [];
    /// <summary>Cancelled to stop the reader loop: by <see cref="Abort"/> and by broker shutdown.</summary>
    private readonly CancellationTokenSource _stopReading = new();
    /// <summary>Where the handshake and close are; written by the reader loop, read by the heartbeat.</summary>
    private State _state = State.AwaitingStartOk;
    /// <summary>The authenticated user, after start-ok.</summary>
    private User? _user;
    /// <summary>The core's connection, after connection.open.</summary>
    private ClientConnection? _connection;
    /// <summary>What the client said it supports in start-ok.</summary>
    private ClientCapabilities _clientCapabilities;
    /// <summary>Milliseconds (<see cref="ConnectionHeartbeat.Now"/>) of the last frame received, for the heartbeat watchdog.</summary>
    private long _lastReadTicks;
    /// <summary>When an unanswered connection.close gives up waiting for close-ok.</summary>
    private DateTime _closeDeadline;

    /// <summary>Checks this connection's heartbeats; shared by every connection of the server.</summary>
    private readonly ConnectionHeartbeat _heartbeats;
    /// <summary>True when <see cref="_heartbeats"/> is this connection's own (no listener gave one) and is disposed with it.</summary>
    private readonly bool _ownsHeartbeats;

    public AmqpConnection(Broker broker, AmqpOptions options, IDuplexPipe transport, EndPoint? remoteEndPoint, ILogger logger,
        EndPoint? localEndPoint = null, ConnectionHeartbeat? heartbeats = null)
    {
        _ownsHeartbeats = heartbeats is null;
        _heartbeats = heartbeats ?? new ConnectionHeartbeat(broker);
        _lastReadTicks = _heartbeats.Now;
        Output = new OutboundBuffer(_heartbeats);
        _pressure = new OutputPressure(Output, options.MaxPendingOutputBytes, this);
        _alarmBlocking = new AlarmBlocking(broker.Alarms, this, transport.Input);
        _keepAlive = () => Volatile.Write(ref _lastReadTicks, _heartbeats.Now);
        LocalEndPoint = localEndPoint;
        _broker = broker;
        _options = options;
        _transport = transport;
        RemoteEndPoint = remoteEndPoint;
        _logger = logger;
    }

    /// <summary>Pauses this connection's consumers while too much output waits for the socket.</summary>
    private readonly OutputPressure _pressure;
    /// <summary>Stops reading a publishing client while a resource alarm is on.</summary>
    private readonly AlarmBlocking _alarmBlocking;
    /// <summary>Made once: marks the client alive while it is not read because it is blocked.</summary>
    private readonly Action _keepAlive;

    /// <summary>Frames waiting to be written to the socket.</summary>
    internal OutboundBuffer Output { get; }

    /// <summary>Names this connection in fault reports.</summary>
    public string Description => $"AMQP connection from {RemoteEndPoint}";

    internal EndPoint? RemoteEndPoint { get; }

    /// <summary>Exchange names and routing keys recently published with; used by the reader loop only.</summary>
    internal ShortStringCache Names { get; } = new();

    internal EndPoint? LocalEndPoint { get; }

    /// <summary>
    /// Set (from any thread) when the connection must be closed by the reader loop: an operator
    /// asked (320), or a delivery to one of its consumers failed (541). The first request wins.
    /// </summary>
    private volatile AmqpException? _requestedClose;

    /// <summary>Management's "close connection": the reader loop sends connection.close 320 with the reason.</summary>
    private void RequestForcedClose(string reason) =>
        RequestClose(AmqpException.Connection(AmqpReplyCodes.ConnectionForced, reason));

    /// <summary>Asks the reader loop to send connection.close with <paramref name="error"/>; callable from any thread.</summary>
    internal void RequestClose(AmqpException error)
    {
        Interlocked.CompareExchange(ref _requestedClose, error, null);
        _transport.Input.CancelPendingRead();
    }

    /// <summary>
    /// A fault in this connection's own code (a bug, a value that cannot be encoded): reported
    /// once to the broker's fault log and answered with 541 INTERNAL_ERROR, as RabbitMQ does when
    /// a channel process crashes. Only this connection closes.
    /// </summary>
    internal AmqpException InternalError(string where, Exception error)
    {
        _broker.Faults.Report($"AMQP connection from {RemoteEndPoint}: {where}", error);
        return AmqpException.Connection(AmqpReplyCodes.InternalError, $"{where} failed: {error.GetType().Name}");
    }

    /// <summary>The negotiated frame-max.</summary>
    internal uint FrameMax { get; private set; }

    /// <summary>The negotiated heartbeat interval in seconds (0 = off).</summary>
    internal ushort Heartbeat { get; private set; }

    internal Broker Broker => _broker;
    internal AmqpOptions Options => _options;
    internal ClientConnection Core => _connection!;
    internal ILogger Logger => _logger;

    /// <summary>True when the client advertised the capability in its start-ok properties.</summary>
    internal bool ClientHas(ClientCapabilities capability) => (_clientCapabilities & capability) != 0;

    /// <summary>Drops the connection at once, sending nothing more (missed heartbeats, handshake timeout).</summary>
    private void Abort()
    {
        Output.Abort();
        _transport.Output.CancelPendingFlush();
        _stopReading.Cancel();
    }

    /// <summary>Runs the connection until the client leaves or an error closes it.</summary>
    /// <param name="shutdown">Broker shutdown: the client is sent connection.close 320.</param>
    public async Task RunAsync(CancellationToken shutdown)
    {
        // Shutdown stops the reader through _stopReading rather than a source linked with it:
        // one registration instead of a linked source and two, for every idle connection. The
        // writer keeps going, so the connection.close that tells the client why still goes out.
        using var onShutdown = shutdown.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _stopReading);
        var writer = Output.RunAsync(_transport.Output);
        try
        {
            if (await ReadProtocolHeaderAsync(_stopReading.Token).ConfigureAwait(false))
            {
                SendConnectionStart();
                StartHeartbeatChecks();
                await ReadFramesAsync(_stopReading.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested && _state == State.Open)
        {
            // Broker shutdown: tell the client why, as RabbitMQ does, before the socket closes.
            SendConnectionClose(AmqpException.Connection(AmqpReplyCodes.ConnectionForced,
                "broker forced connection closure with reason 'shutdown'"));
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or Microsoft.AspNetCore.Connections.ConnectionResetException
                                       or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The peer went away mid-read; its channels are cleaned up below.
        }
        catch (Exception e)
        {
            Log.UnexpectedError(_logger, RemoteEndPoint, e);
        }
        finally
        {
            _state = State.Closed;
            _heartbeats.Remove(this);
            // Unsubscribing on every exit, not just on Abort: otherwise the broker's alarm event keeps each closed connection alive.
            _alarmBlocking.Detach();
            CloseChannels();
            _connection?.Dispose();
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
            if (_ownsHeartbeats) _heartbeats.Dispose();
        }
    }

    private async Task<bool> ReadProtocolHeaderAsync(CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_options.HandshakeTimeout);
        while (true)
        {
            var result = await _transport.Input.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (ProtocolHeader.TryRead(ref buffer, out bool isAmqp091))
            {
                _transport.Input.AdvanceTo(buffer.Start);
                if (isAmqp091) return true;
                // Wrong protocol or version: answer with ours and close, as the spec asks.
                var w = Output.Enter();
                ProtocolHeader.Write(w);
                Output.Exit();
                return false;
            }
            _transport.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) return false;
        }
    }

    private async Task ReadFramesAsync(CancellationToken cancellation)
    {
        var input = _transport.Input;
        while (_state != State.Closed)
        {
            if (_state == State.Closing && DateTime.UtcNow > _closeDeadline) return;
            ReadResult result;
            if (_state == State.Closing)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                wait.CancelAfter(_closeDeadline - DateTime.UtcNow);
                try
                {
                    result = await input.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else
            {
                await WaitWhileBlockedAsync(cancellation).ConfigureAwait(false);
                result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            }
            if (result.IsCanceled && _requestedClose is { } requested && _state == State.Open)
            {
                SendConnectionClose(requested);
                continue;
            }
            var buffer = result.Buffer;
            long before = buffer.Length;
            try
            {
                while (_state != State.Closed && _loginRefusal is null && FrameReader.TryReadFrame(ref buffer, FrameMax == 0 ? _options.FrameMax : FrameMax, out var frame))
                {
                    _lastReadTicks = _heartbeats.Now;
                    HandleFrameSafely(frame);
                }
            }
            catch (AmqpProtocolException e)
            {
                // A malformed frame: nothing after it can be trusted, so close the connection.
                SendConnectionClose(AmqpException.FromProtocol(e));
                buffer = buffer.Slice(buffer.End);
            }
            finally
            {
                _connection?.CountTraffic(before - buffer.Length, 0);
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            foreach (var channel in _channels.Values) channel.FlushConfirms();
            if (_loginRefusal is not null) await RefuseLoginAsync(cancellation).ConfigureAwait(false);
            if (result.IsCompleted) return;
        }
    }

    private void HandleFrameSafely(AmqpFrame frame)
    {
        try
        {
            HandleFrame(frame);
        }
        catch (AmqpException e) when (!e.IsConnectionError && frame.Channel != 0 && _channels.TryGetValue(frame.Channel, out var channel))
        {
            channel.CloseWithError(e);
        }
        catch (AmqpException e)
        {
            SendConnectionClose(e);
        }
        catch (AmqpProtocolException e)
        {
            ushort classId = 0, methodId = 0;
            if (frame.Type == FrameType.Method)
            {
                classId = AmqpMethods.GetClassId(frame.MethodId);
                methodId = AmqpMethods.GetMethodId(frame.MethodId);
            }
            SendConnectionClose(AmqpException.FromProtocol(e, classId, methodId));
        }
        catch (Exception e)
        {
            // Anything else is a fault of ours, not the client's: this connection closes with 541
            // (its channels' unacked messages go back to their queues) and everyone else carries on.
            SendConnectionClose(InternalError(DescribeFrame(frame), e));
        }
    }

    private static string DescribeFrame(AmqpFrame frame) => frame.Type == FrameType.Method
        ? $"'{AmqpMethods.Describe(frame.MethodId)}' on channel {frame.Channel}"
        : $"{frame.Type} frame on channel {frame.Channel}";

    private void HandleFrame(AmqpFrame frame)
    {
        if (_state == State.Closing)
        {
            // After sending connection.close only close / close-ok matter (spec 4.2.2 / RabbitMQ).
            if (frame.Type == FrameType.Method && frame.Channel == 0)
            {
                var id = frame.MethodId;
                if (id == AmqpMethodId.ConnectionCloseOk) _state = State.Closed;
                else if (id == AmqpMethodId.ConnectionClose)
                {
                    Send(0, new ConnectionCloseOk());
                    _state = State.Closed;
                }
            }
            return;
        }
        switch (frame.Type)
        {
            case FrameType.Heartbeat:
                return;
            case FrameType.Method when frame.Channel == 0:
                HandleConnectionMethod(frame);
                return;
            default:
                if (_state != State.Open)
                    throw AmqpException.Connection(AmqpReplyCodes.UnexpectedFrame,
                        $"expected connection method on channel 0 during handshake, got frame type {(byte)frame.Type} on channel {frame.Channel}");
                if (frame.Channel == 0)
                    throw AmqpException.Connection(AmqpReplyCodes.UnexpectedFrame,
                        $"content frame of type {(byte)frame.Type} on channel 0");
                HandleChannelFrame(frame);
                return;
        }
    }

    private void HandleChannelFrame(AmqpFrame frame)
    {
        if (!_channels.TryGetValue(frame.Channel, out var channel))
        {
            if (frame.Type == FrameType.Method && frame.MethodId == AmqpMethodId.ChannelOpen)
            {
                OpenChannel(frame.Channel, frame);
                return;
            }
            throw AmqpException.Connection(AmqpReplyCodes.ChannelError,
                "expected 'channel.open'",
                frame.Type == FrameType.Method ? AmqpMethods.GetClassId(frame.MethodId) : (ushort)0,
                frame.Type == FrameType.Method ? AmqpMethods.GetMethodId(frame.MethodId) : (ushort)0);
        }
        channel.HandleFrame(frame);
    }

    private void OpenChannel(ushort number, AmqpFrame frame)
    {
        ChannelOpen.Read(frame.MethodArguments);
        ushort max = _negotiatedChannelMax;
        if (max != 0 && number > max)
            throw AmqpException.Connection(AmqpReplyCodes.NotAllowed,
                $"channel number {number} exceeds the negotiated channel_max {max}", ChannelOpen.ClassId, ChannelOpen.MethodId);
        var session = Core.OpenSession(number);
        _channels[number] = new AmqpChannel(this, number, session);
        Send(number, new ChannelOpenOk());
    }

    /// <summary>Forgets a channel after its close handshake finished.</summary>
    internal void RemoveChannel(ushort number) => _channels.Remove(number);

    private void CloseChannels()
    {
        foreach (var channel in _channels.Values) channel.Abandon();
        _channels.Clear();
    }

    // ---- sending ----

    /// <summary>Appends one method frame.</summary>
    internal void Send<TMethod>(ushort channel, TMethod method) where TMethod : IAmqpMethod
    {
        var w = Output.Enter();
        try
        {
            FrameWriter.WriteMethod(w, channel, method);
        }
        finally
        {
            Output.Exit();
        }
    }

    /// <summary>Starts the close handshake with an error; frames other than close-ok are ignored after this.</summary>
    internal void SendConnectionClose(AmqpException error)
    {
        if (_state is State.Closing or State.Closed) return;
        if (_state != State.Open && _state != State.AwaitingOpen)
        {
            // Before tuning, RabbitMQ just closes the socket for most errors.
            Log.HandshakeFailed(_logger, RemoteEndPoint, error.ReplyText);
        }
        else
        {
            Log.ConnectionError(_logger, RemoteEndPoint, error.ReplyText);
        }
        Send(0, new ConnectionClose
        {
            ReplyCode = error.ReplyCode,
            ReplyText = error.ReplyText,
            FailingClassId = error.ClassId,
            FailingMethodId = error.MethodId,
        });
        _state = State.Closing;
        _closeDeadline = DateTime.UtcNow.AddSeconds(3);
        CloseChannels();
    }

}
