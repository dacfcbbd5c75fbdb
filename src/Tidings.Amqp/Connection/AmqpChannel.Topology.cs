using Tidings.Amqp.Protocol;
using Tidings.Core;
using Tidings.Core.Exchanges;

namespace Tidings.Amqp.Connection;

internal sealed partial class AmqpChannel
{
    private VirtualHost VirtualHost => _session.Connection.VirtualHost;

    private void OnExchangeDeclare(ExchangeDeclare declare)
    {
        if (!declare.Passive && !ExchangeTypes.IsKnown(declare.Type))
            throw AmqpException.Connection(AmqpReplyCodes.CommandInvalid, $"unknown exchange type '{declare.Type}'");
        VirtualHost.DeclareExchange(declare.Exchange, declare.Type, declare.Durable, declare.AutoDelete, declare.Internal,
            declare.Arguments, declare.Passive, _session.Connection);
        if (!declare.NoWait) _connection.Send(Number, new ExchangeDeclareOk());
    }

    private void OnExchangeDelete(ExchangeDelete delete)
    {
        VirtualHost.DeleteExchange(delete.Exchange, delete.IfUnused, _session.Connection);
        if (!delete.NoWait) _connection.Send(Number, new ExchangeDeleteOk());
    }

    private void OnExchangeBind(ExchangeBind bind)
    {
        VirtualHost.BindExchange(bind.Destination, bind.Source, bind.RoutingKey, bind.Arguments, _session.Connection);
        if (!bind.NoWait) _connection.Send(Number, new ExchangeBindOk());
    }

    private void OnExchangeUnbind(ExchangeUnbind unbind)
    {
        VirtualHost.UnbindExchange(unbind.Destination, unbind.Source, unbind.RoutingKey, unbind.Arguments, _session.Connection);
        if (!unbind.NoWait) _connection.Send(Number, new ExchangeUnbindOk());
    }

    private void OnQueueDeclare(QueueDeclare declare)
    {
        var result = VirtualHost.DeclareQueue(declare.Queue, declare.Durable, declare.Exclusive, declare.AutoDelete,
            declare.Arguments, declare.Passive, _session.Connection);
        _lastQueue = result.QueueName;
        if (!declare.NoWait)
        {
            _connection.Send(Number, new QueueDeclareOk
            {
                Queue = result.QueueName,
                MessageCount = (uint)result.MessageCount,
                ConsumerCount = (uint)result.ConsumerCount,
            });
        }
    }

    private void OnQueueBind(QueueBind bind)
    {
        VirtualHost.BindQueue(QueueOrLast(bind.Queue), bind.Exchange, bind.RoutingKey, bind.Arguments, _session.Connection);
        if (!bind.NoWait) _connection.Send(Number, new QueueBindOk());
    }

    private void OnQueueUnbind(QueueUnbind unbind)
    {
        VirtualHost.UnbindQueue(QueueOrLast(unbind.Queue), unbind.Exchange, unbind.RoutingKey, unbind.Arguments, _session.Connection);
        _connection.Send(Number, new QueueUnbindOk());
    }

    private void OnQueuePurge(QueuePurge purge)
    {
        int count = VirtualHost.PurgeQueue(QueueOrLast(purge.Queue), _session.Connection);
        if (!purge.NoWait) _connection.Send(Number, new QueuePurgeOk { MessageCount = (uint)count });
    }

    private void OnQueueDelete(QueueDelete delete)
    {
        int count = VirtualHost.DeleteQueue(QueueOrLast(delete.Queue), delete.IfUnused, delete.IfEmpty, _session.Connection);
        if (!delete.NoWait) _connection.Send(Number, new QueueDeleteOk { MessageCount = (uint)count });
    }
}
