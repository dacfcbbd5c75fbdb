using System.Buffers;
using Tidings.Amqp.Protocol;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.Amqp.Connection;

/// <summary>
/// One AMQP channel over a core <see cref="Session"/>: dispatches methods, assembles published
/// content from header and body frames, and runs the channel close handshake. Called only from
/// the connection's reader loop, except the delivery sink which queue threads call.
/// </summary>
internal sealed partial class AmqpChannel
{
    private enum ContentState { None, AwaitingHeader, AwaitingBody }

    private readonly AmqpConnection _connection;
    private readonly Session _session;
    /// <summary>The publish whose content is being received.</summary>
    private BasicPublish _publish;
    private ContentState _contentState;
    /// <summary>The message being assembled, rented from the broker's pool when its header arrived; body frames fill its buffer.</summary>
    private Message? _content;
    private int _bodyReceived;
    /// <summary>True after the server sent channel.close: everything but close-ok is ignored.</summary>
    private bool _closing;
    /// <summary>Decoded properties of the last content header, reused when the next one is identical.</summary>
    private readonly PropertiesCache _propertiesCache = new();
    /// <summary>The queue named by the last queue.declare, used when a method names queue "".</summary>
    private string? _lastQueue;

    public AmqpChannel(AmqpConnection connection, ushort number, Session session)
    {
        _connection = connection;
        Number = number;
        _session = session;
    }

    public ushort Number { get; }

    internal Session Session => _session;
    internal AmqpConnection Connection => _connection;

    public void HandleFrame(AmqpFrame frame)
    {
        if (_closing)
        {
            if (frame.Type == FrameType.Method)
            {
                var id = frame.MethodId;
                if (id == AmqpMethodId.ChannelCloseOk) _connection.RemoveChannel(Number);
                else if (id == AmqpMethodId.ChannelClose)
                {
                    _connection.Send(Number, new ChannelCloseOk());
                    _connection.RemoveChannel(Number);
                }
            }
            return;
        }
        switch (frame.Type)
        {
            case FrameType.Method:
                if (_contentState != ContentState.None) throw UnexpectedFrame();
                HandleMethod(frame.MethodId, frame.MethodArguments);
                return;
            case FrameType.Header:
                HandleContentHeader(frame.Payload);
                return;
            case FrameType.Body:
                HandleContentBody(frame.Payload);
                return;
        }
    }

    private void HandleMethod(AmqpMethodId id, ReadOnlySequence<byte> args)
    {
        try
        {
            Dispatch(id, args);
        }
        catch (BrokerException e)
        {
            throw AmqpException.FromBroker(e, AmqpMethods.GetClassId(id), AmqpMethods.GetMethodId(id));
        }
        catch (AmqpException e)
        {
            throw e.WithMethod(AmqpMethods.GetClassId(id), AmqpMethods.GetMethodId(id));
        }
    }

    private void Dispatch(AmqpMethodId id, ReadOnlySequence<byte> args)
    {
        switch (id)
        {
            case AmqpMethodId.BasicPublish: StartPublish(ReadPublish(args)); break;
            case AmqpMethodId.BasicAck: OnAck(BasicAck.Read(args)); break;
            case AmqpMethodId.BasicNack: OnNack(BasicNack.Read(args)); break;
            case AmqpMethodId.BasicReject: OnReject(BasicReject.Read(args)); break;
            case AmqpMethodId.BasicQos: OnQos(BasicQos.Read(args)); break;
            case AmqpMethodId.BasicConsume: OnConsume(BasicConsume.Read(args)); break;
            case AmqpMethodId.BasicCancel: OnCancel(BasicCancel.Read(args)); break;
            case AmqpMethodId.BasicGet: OnGet(BasicGet.Read(args)); break;
            case AmqpMethodId.BasicRecover: OnRecover(BasicRecover.Read(args).Requeue, async: false); break;
            case AmqpMethodId.BasicRecoverAsync: OnRecover(BasicRecoverAsync.Read(args).Requeue, async: true); break;
            case AmqpMethodId.ExchangeDeclare: OnExchangeDeclare(ExchangeDeclare.Read(args)); break;
            case AmqpMethodId.ExchangeDelete: OnExchangeDelete(ExchangeDelete.Read(args)); break;
            case AmqpMethodId.ExchangeBind: OnExchangeBind(ExchangeBind.Read(args)); break;
            case AmqpMethodId.ExchangeUnbind: OnExchangeUnbind(ExchangeUnbind.Read(args)); break;
            case AmqpMethodId.QueueDeclare: OnQueueDeclare(QueueDeclare.Read(args)); break;
            case AmqpMethodId.QueueBind: OnQueueBind(QueueBind.Read(args)); break;
            case AmqpMethodId.QueueUnbind: OnQueueUnbind(QueueUnbind.Read(args)); break;
            case AmqpMethodId.QueuePurge: OnQueuePurge(QueuePurge.Read(args)); break;
            case AmqpMethodId.QueueDelete: OnQueueDelete(QueueDelete.Read(args)); break;
            case AmqpMethodId.ConfirmSelect: OnConfirmSelect(ConfirmSelect.Read(args)); break;
            case AmqpMethodId.TxSelect: TxSelect.Read(args); OnTxSelect(); break;
            case AmqpMethodId.TxCommit: TxCommit.Read(args); OnTxCommit(); break;
            case AmqpMethodId.TxRollback: TxRollback.Read(args); OnTxRollback(); break;
            case AmqpMethodId.ChannelFlow: OnFlow(ChannelFlow.Read(args)); break;
            case AmqpMethodId.ChannelFlowOk: ChannelFlowOk.Read(args); break;
            case AmqpMethodId.ChannelClose:
                ChannelClose.Read(args);
                Abandon();
                _connection.Send(Number, new ChannelCloseOk());
                _connection.RemoveChannel(Number);
                break;
            case AmqpMethodId.ChannelOpen:
                throw AmqpException.Connection(AmqpReplyCodes.ChannelError, "second 'channel.open' seen");
            case AmqpMethodId.AccessRequest:
                AccessRequest.Read(args);
                _connection.Send(Number, new AccessRequestOk());
                break;
            default:
                throw AmqpException.Connection(AmqpReplyCodes.CommandInvalid,
                    $"unexpected method {AmqpMethods.Describe(id)} on channel {Number}");
        }
    }

    // ---- content assembly ----

    /// <summary>basic.publish's arguments, with names decoded through the connection's cache (no strings per message).</summary>
    private BasicPublish ReadPublish(ReadOnlySequence<byte> args)
    {
        var reader = new SequenceReader<byte>(args);
        ushort ticket = AmqpWireReader.ReadUInt16(ref reader);
        string exchange = AmqpWireReader.ReadShortString(ref reader, _connection.Names);
        string routingKey = AmqpWireReader.ReadShortString(ref reader, _connection.Names);
        byte bits = AmqpWireReader.ReadOctet(ref reader);
        AmqpWireReader.EnsureEnd(ref reader, BasicPublish.MethodName);
        return new BasicPublish
        {
            Ticket = ticket,
            Exchange = exchange,
            RoutingKey = routingKey,
            Mandatory = (bits & 0x01) != 0,
            Immediate = (bits & 0x02) != 0,
        };
    }

    private void StartPublish(BasicPublish publish)
    {
        if (publish.Immediate)
            throw AmqpException.Connection(AmqpReplyCodes.NotImplemented, "immediate=true");
        _publish = publish;
        _contentState = ContentState.AwaitingHeader;
    }

    private void HandleContentHeader(ReadOnlySequence<byte> payload)
    {
        if (_contentState != ContentState.AwaitingHeader) throw UnexpectedFrame();
        ContentHeader header;
        try
        {
            header = ContentHeaderCodec.Read(payload, _propertiesCache);
        }
        catch (BrokerException e)
        {
            // A property the neutral model refuses (an expiration that is not a TTL): 406 on this
            // channel, which then ignores the body frames that follow, as RabbitMQ does.
            _contentState = ContentState.None;
            throw AmqpException.FromBroker(e, BasicPublish.ClassId, BasicPublish.MethodId);
        }
        if (header.ClassId != BasicPublish.ClassId)
            throw AmqpException.Connection(AmqpReplyCodes.UnexpectedFrame,
                $"expected content header for class 60, got one for class {header.ClassId} instead",
                BasicPublish.ClassId, BasicPublish.MethodId);
        long max = _connection.Broker.Options.MaxMessageSize;
        if (header.BodySize > (ulong)max)
        {
            _contentState = ContentState.None;
            throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed,
                $"message size {header.BodySize} is larger than configured max size {max}",
                BasicPublish.ClassId, BasicPublish.MethodId);
        }
        _content = _connection.Broker.Messages.Rent(_publish.Exchange, _publish.RoutingKey, header.Properties, (int)header.BodySize);
        _bodyReceived = 0;
        if (header.BodySize == 0)
        {
            _contentState = ContentState.None;
            CompletePublish();
        }
        else
        {
            _contentState = ContentState.AwaitingBody;
        }
    }

    private void HandleContentBody(ReadOnlySequence<byte> payload)
    {
        if (_contentState != ContentState.AwaitingBody) throw UnexpectedFrame();
        var body = MessagePool.BodyBuffer(_content!).Span;
        if (_bodyReceived + payload.Length > body.Length)
            throw AmqpException.Connection(AmqpReplyCodes.FrameError,
                $"content body is larger than the {body.Length} bytes its header announced");
        payload.CopyTo(body[_bodyReceived..]);
        _bodyReceived += (int)payload.Length;
        if (_bodyReceived < body.Length) return;
        _contentState = ContentState.None;
        CompletePublish();
    }

    /// <summary>RabbitMQ's command-assembler error (same texts) for a frame that does not fit what is expected next.</summary>
    private AmqpException UnexpectedFrame() => _contentState switch
    {
        ContentState.None => AmqpException.Connection(AmqpReplyCodes.UnexpectedFrame,
            "expected method frame, got non method frame instead"),
        ContentState.AwaitingHeader => AmqpException.Connection(AmqpReplyCodes.UnexpectedFrame,
            "expected content header for class 60, got non content header frame instead", BasicPublish.ClassId, BasicPublish.MethodId),
        _ => AmqpException.Connection(AmqpReplyCodes.UnexpectedFrame,
            "expected content body, got non content body frame instead", BasicPublish.ClassId, BasicPublish.MethodId),
    };

    private void CompletePublish()
    {
        var message = _content!;
        _content = null;
        try
        {
            Publish(_publish, message);
        }
        catch (BrokerException e)
        {
            throw AmqpException.FromBroker(e, BasicPublish.ClassId, BasicPublish.MethodId);
        }
    }

    // ---- closing ----

    /// <summary>Closes the channel with a soft error: channel.close goes out, the session is released.</summary>
    public void CloseWithError(AmqpException error)
    {
        Log.ChannelError(_connection.Logger, _connection.RemoteEndPoint, Number, error.ReplyText);
        Abandon();
        _closing = true;
        _contentState = ContentState.None;
        _connection.Send(Number, new ChannelClose
        {
            ReplyCode = error.ReplyCode,
            ReplyText = error.ReplyText,
            FailingClassId = error.ClassId,
            FailingMethodId = error.MethodId,
        });
    }

    /// <summary>Releases the session: consumers cancelled, unacked messages requeued.</summary>
    public void Abandon()
    {
        _session.Close();
        ReleaseDirectReplyTo();
    }
}
