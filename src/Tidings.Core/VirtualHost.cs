using System.Collections.Concurrent;
using Tidings.Core.Exchanges;
using Tidings.Core.Limits;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Core.Sessions;

namespace Tidings.Core;

/// <summary>The result of declaring a queue.</summary>
public readonly record struct QueueDeclareResult(string QueueName, int MessageCount, int ConsumerCount);

/// <summary>
/// A namespace of exchanges and queues. Topology changes (declare, bind, delete) are serialised
/// by one lock; publishing reads the exchange and queue maps without it.
/// </summary>
public sealed partial class VirtualHost
{
    /// <summary>Serialises topology changes.</summary>
    private readonly Lock _topologyLock = new();
    private readonly ConcurrentDictionary<string, Exchange> _exchanges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IQueue> _queues = new(StringComparer.Ordinal);

    internal VirtualHost(Broker broker, string name)
    {
        Broker = broker;
        Name = name;
        DetachedSessions = new DetachedSessions(broker.Time);
        DefaultExchange = new DirectExchange(this, "", durable: true, autoDelete: false, isInternal: false, null) { IsPredeclared = true };
        _exchanges[""] = DefaultExchange;
        foreach (var (xname, type) in new[]
                 {
                     ("amq.direct", ExchangeTypes.Direct), ("amq.fanout", ExchangeTypes.Fanout),
                     ("amq.topic", ExchangeTypes.Topic), ("amq.headers", ExchangeTypes.Headers),
                     ("amq.match", ExchangeTypes.Headers),
                 })
        {
            _exchanges[xname] = CreateExchange(xname, type, durable: true, autoDelete: false, isInternal: false, null, predeclared: true);
        }
    }

    public Broker Broker { get; }
    public string Name { get; }

    /// <summary>Sessions that outlive their connections, kept until re-attached or expired (MQTT persistent sessions).</summary>
    public DetachedSessions DetachedSessions { get; }

    /// <summary>Free-text description (management metadata).</summary>
    public string Description { get; set; } = "";

    /// <summary>Tags (management metadata).</summary>
    public IReadOnlyList<string> Tags { get; set; } = [];

    /// <summary>Totals of the virtual host: publish, confirm, deliveries, acks, unroutable.</summary>
    public MessageStats Stats { get; } = new();

    /// <summary>The nameless direct exchange every queue is implicitly bound to by its name.</summary>
    public Exchange DefaultExchange { get; }

    public IReadOnlyCollection<Exchange> Exchanges => [.. _exchanges.Values];
    public IReadOnlyCollection<IQueue> Queues => [.. _queues.Values];

    public Exchange? FindExchange(string name) => _exchanges.GetValueOrDefault(name);
    public IQueue? FindQueue(string name) => _queues.GetValueOrDefault(name);

    // ---- exchanges ----

    /// <summary>Declares an exchange, or checks an existing one is equivalent (passive: only that it exists).</summary>
    public Exchange DeclareExchange(string name, string type, bool durable = false, bool autoDelete = false,
        bool isInternal = false, IReadOnlyDictionary<string, object?>? arguments = null, bool passive = false,
        ClientConnection? caller = null)
    {
        if (name.Length == 0)
            throw new BrokerException(BrokerError.AccessRefused, $"operation not permitted on the default exchange");
        lock (_topologyLock)
        {
            if (_exchanges.TryGetValue(name, out var existing))
            {
                if (!passive) CheckEquivalent(existing, type, durable, autoDelete, isInternal, arguments);
                return existing;
            }
            if (passive) throw BrokerException.NoExchange(name, Name);
            if (name.StartsWith("amq.", StringComparison.Ordinal))
                throw new BrokerException(BrokerError.AccessRefused,
                    $"exchange name '{name}' contains reserved prefix 'amq.*'");
            BrokerLimits.CheckName("exchange", name);
            Authorize(caller, Permission.Configure, name);
            CheckExchangeArguments(name, arguments);
            if (!ExchangeTypes.IsKnown(type))
                throw new BrokerException(BrokerError.NotFound, $"no exchange type '{type}' in vhost '{Name}'");
            var exchange = CreateExchange(name, type, durable, autoDelete, isInternal, arguments, predeclared: false);
            _exchanges[name] = exchange;
            Broker.OnDefinitionsChanged();
            return exchange;
        }
    }

    /// <summary>Deletes an exchange and every binding from or to it.</summary>
    public void DeleteExchange(string name, bool ifUnused = false, ClientConnection? caller = null)
    {
        lock (_topologyLock)
        {
            if (name.Length == 0 || (_exchanges.TryGetValue(name, out var x) && x.IsPredeclared))
                throw new BrokerException(BrokerError.AccessRefused,
                    name.Length == 0 ? "operation not permitted on the default exchange"
                                     : $"exchange name '{name}' contains reserved prefix 'amq.*'");
            // Deleting a missing exchange succeeds, as in RabbitMQ 3.x.
            if (!_exchanges.TryGetValue(name, out var exchange)) return;
            Authorize(caller, Permission.Configure, name);
            if (ifUnused && exchange.Bindings.Count > 0)
                throw new BrokerException(BrokerError.PreconditionFailed, $"exchange '{name}' in vhost '{Name}' in use");
            RemoveExchangeLocked(exchange);
        }
    }

    // ---- queues ----

    /// <summary>
    /// Declares a queue (an empty name gets a server-generated "amq.gen-…" one), or checks an
    /// existing one is equivalent. Passive declare only checks existence and access.
    /// </summary>
    public QueueDeclareResult DeclareQueue(string name, bool durable = false, bool exclusive = false, bool autoDelete = false,
        IReadOnlyDictionary<string, object?>? arguments = null, bool passive = false, ClientConnection? caller = null)
    {
        lock (_topologyLock)
        {
            bool generated = name.Length == 0 && !passive;
            if (generated) name = GenerateQueueName();
            if (passive && name.StartsWith(DirectReplyToQueue, StringComparison.Ordinal) && IsLiveReplyAddress(name))
                return new QueueDeclareResult(name, 0, 1);
            if (_queues.TryGetValue(name, out var existing))
            {
                CheckExclusiveAccess(existing, caller);
                if (!passive) CheckEquivalent(existing, durable, exclusive, autoDelete, arguments);
                existing.MarkUsed();
                return new QueueDeclareResult(name, existing.MessageCount, existing.ConsumerCount);
            }
            if (passive) throw BrokerException.NoQueue(name, Name);
            BrokerLimits.CheckName("queue", name);
            if (!generated && name.StartsWith("amq.", StringComparison.Ordinal))
                throw new BrokerException(BrokerError.AccessRefused, $"queue name '{name}' contains reserved prefix 'amq.*'");
            Authorize(caller, Permission.Configure, name, "queue");
            var settings = QueueArguments.Parse(arguments, name, Name);
            // A durable exclusive queue is treated as transient, as RabbitMQ does.
            var queue = QueueFactory.Create(new QueueDeclaration(this, name, durable && !exclusive, exclusive, autoDelete,
                arguments, settings, exclusive ? caller : null));
            _queues[name] = queue;
            if (exclusive) caller?.AddExclusiveQueue(queue);
            Broker.OnDefinitionsChanged();
            return new QueueDeclareResult(name, 0, 0);
        }
    }

    /// <summary>Deletes a queue; returns how many ready messages it held. A missing queue returns 0.</summary>
    public int DeleteQueue(string name, bool ifUnused = false, bool ifEmpty = false, ClientConnection? caller = null)
    {
        IQueue? queue;
        lock (_topologyLock)
        {
            if (!_queues.TryGetValue(name, out queue)) return 0;
            CheckExclusiveAccess(queue, caller);
            Authorize(caller, Permission.Configure, name, "queue");
            if (ifUnused && queue.ConsumerCount > 0)
                throw new BrokerException(BrokerError.PreconditionFailed, $"queue '{name}' in vhost '{Name}' in use");
            if (ifEmpty && queue.MessageCount > 0)
                throw new BrokerException(BrokerError.PreconditionFailed, $"queue '{name}' in vhost '{Name}' not empty");
        }
        return DeleteQueueInternal(queue);
    }

    /// <summary>
    /// Removes all ready (and delayed) messages from a queue and drops the deliveries out with
    /// connectionless receivers; returns how many ready and delayed were removed.
    /// </summary>
    public int PurgeQueue(string name, ClientConnection? caller = null)
    {
        var queue = GetQueueForUse(name, caller, Permission.Read);
        return queue.Purge();
    }

    /// <summary>Deletes the queue (auto-delete, x-expires, explicit delete) and cancels its consumers.</summary>
    internal int DeleteQueueInternal(IQueue queue)
    {
        List<Consumer> consumers;
        int messages;
        lock (_topologyLock)
        {
            if (!_queues.TryGetValue(queue.Name, out var current) || current != queue) return 0;
            _queues.TryRemove(queue.Name, out _);
            queue.Owner?.RemoveExclusiveQueue(queue);
            Broker.OnDefinitionsChanged();
            (messages, consumers) = queue.MarkDeleted();
            foreach (var binding in queue.IncomingBindings.ToList()) RemoveBindingLocked(binding);
        }
        foreach (var consumer in consumers) consumer.Session.ConsumerCancelledByBroker(consumer);
        return messages;
    }

    /// <summary>Finds a queue a caller may use, checking exclusivity and permission.</summary>
    internal IQueue GetQueueForUse(string name, ClientConnection? caller, Permission permission)
    {
        if (!_queues.TryGetValue(name, out var queue)) throw BrokerException.NoQueue(name, Name);
        CheckExclusiveAccess(queue, caller);
        Authorize(caller, permission, name, "queue");
        return queue;
    }

    /// <summary>Deletes exclusive queues of a closed connection.</summary>
    internal void ConnectionClosed(ClientConnection connection)
    {
        // The connection lists its own exclusive queues: closing one of many thousands of
        // connections must not scan every queue of the vhost.
        foreach (var queue in connection.ExclusiveQueues) DeleteQueueInternal(queue);
    }

    // ---- bindings ----

    /// <summary>Binds a queue to an exchange.</summary>
    public void BindQueue(string queue, string exchange, string routingKey,
        IReadOnlyDictionary<string, object?>? arguments = null, ClientConnection? caller = null)
    {
        CheckBinding(routingKey, arguments);
        RefuseDefaultExchange(exchange);
        lock (_topologyLock)
        {
            var destination = GetQueueForUse(queue, caller, Permission.Write);
            var source = SourceExchange(exchange, caller);
            var binding = new Binding(source, destination, routingKey, arguments);
            if (source.AddBinding(binding)) destination.IncomingBindings.Add(binding);
            Broker.OnDefinitionsChanged();
        }
    }

    /// <summary>Removes a queue binding; unbinding something that is not bound succeeds.</summary>
    public void UnbindQueue(string queue, string exchange, string routingKey,
        IReadOnlyDictionary<string, object?>? arguments = null, ClientConnection? caller = null)
    {
        RefuseDefaultExchange(exchange);
        lock (_topologyLock)
        {
            var destination = GetQueueForUse(queue, caller, Permission.Write);
            var source = SourceExchange(exchange, caller);
            var binding = source.Bindings.FirstOrDefault(b => b.SameAs(source, destination, routingKey, arguments));
            if (binding is not null) RemoveBindingLocked(binding);
        }
    }

    /// <summary>Binds exchange <paramref name="destination"/> to receive from <paramref name="source"/>.</summary>
    public void BindExchange(string destination, string source, string routingKey,
        IReadOnlyDictionary<string, object?>? arguments = null, ClientConnection? caller = null)
    {
        CheckBinding(routingKey, arguments);
        RefuseDefaultExchange(source);
        RefuseDefaultExchange(destination);
        lock (_topologyLock)
        {
            var to = DestinationExchange(destination, caller);
            var from = SourceExchange(source, caller);
            from.AddBinding(new Binding(from, to, routingKey, arguments));
            Broker.OnDefinitionsChanged();
        }
    }

    /// <summary>Removes an exchange-to-exchange binding.</summary>
    public void UnbindExchange(string destination, string source, string routingKey,
        IReadOnlyDictionary<string, object?>? arguments = null, ClientConnection? caller = null)
    {
        RefuseDefaultExchange(source);
        RefuseDefaultExchange(destination);
        lock (_topologyLock)
        {
            var to = DestinationExchange(destination, caller);
            var from = SourceExchange(source, caller);
            var binding = from.Bindings.FirstOrDefault(b => b.SameAs(from, to, routingKey, arguments));
            if (binding is not null) RemoveBindingLocked(binding);
        }
    }

    /// <summary>All bindings in the vhost, including the implicit default-exchange ones are not listed.</summary>
    public IReadOnlyList<Binding> Bindings => [.. _exchanges.Values.SelectMany(x => x.Bindings)];

    // ---- helpers ----

    /// <summary>A binding key and arguments AMQP can carry (queue.bind and exchange.bind send both).</summary>
    private static void CheckBinding(string routingKey, IReadOnlyDictionary<string, object?>? arguments)
    {
        BrokerLimits.CheckRoutingKey(routingKey);
        BrokerLimits.CheckTable("arguments", arguments);
    }

    /// <summary>Exchange arguments AMQP can carry; alternate-exchange names an exchange, so it is text of a name's length.</summary>
    private void CheckExchangeArguments(string exchange, IReadOnlyDictionary<string, object?>? arguments)
    {
        if (arguments is null) return;
        BrokerLimits.CheckTable("arguments", arguments);
        if (!arguments.TryGetValue("alternate-exchange", out var ae)) return;
        if (FieldValue.AsString(ae) is not { } name || !Utf8Text.Fits(name, BrokerLimits.MaxShortStringBytes))
            throw new BrokerException(BrokerError.PreconditionFailed,
                $"invalid arg 'alternate-exchange' for exchange '{exchange}' in vhost '{Name}': {BrokerLimits.Shorten(FieldValue.Describe(ae))}");
    }

    /// <summary>
    /// Binding to or from the default exchange is refused before anything else is looked up, as
    /// RabbitMQ does: a bind naming "" and a missing queue answers 403, not 404.
    /// </summary>
    private static void RefuseDefaultExchange(string exchange)
    {
        if (exchange.Length == 0)
            throw new BrokerException(BrokerError.AccessRefused, "operation not permitted on the default exchange");
    }

    private Exchange SourceExchange(string name, ClientConnection? caller)
    {
        RefuseDefaultExchange(name);
        var exchange = _exchanges.GetValueOrDefault(name) ?? throw BrokerException.NoExchange(name, Name);
        Authorize(caller, Permission.Read, name);
        return exchange;
    }

    private Exchange DestinationExchange(string name, ClientConnection? caller)
    {
        RefuseDefaultExchange(name);
        var exchange = _exchanges.GetValueOrDefault(name) ?? throw BrokerException.NoExchange(name, Name);
        Authorize(caller, Permission.Write, name);
        return exchange;
    }

    /// <summary>Caller holds the topology lock.</summary>
    private void RemoveBindingLocked(Binding binding)
    {
        Broker.OnDefinitionsChanged();
        binding.Source.RemoveBinding(binding);
        if (binding.Destination is IQueue queue) queue.IncomingBindings.Remove(binding);
        var source = binding.Source;
        if (source.AutoDelete && source.Bindings.Count == 0 && _exchanges.TryGetValue(source.Name, out var current) && current == source)
            RemoveExchangeLocked(source);
    }

    /// <summary>Caller holds the topology lock.</summary>
    private void RemoveExchangeLocked(Exchange exchange)
    {
        Broker.OnDefinitionsChanged();
        _exchanges.TryRemove(exchange.Name, out _);
        foreach (var binding in exchange.Bindings.ToList()) RemoveBindingLocked(binding);
        foreach (var other in _exchanges.Values)
            foreach (var binding in other.Bindings.Where(b => b.Destination == exchange).ToList())
                RemoveBindingLocked(binding);
    }

    private Exchange CreateExchange(string name, string type, bool durable, bool autoDelete, bool isInternal,
        IReadOnlyDictionary<string, object?>? arguments, bool predeclared) => type switch
        {
            ExchangeTypes.Direct => new DirectExchange(this, name, durable, autoDelete, isInternal, arguments) { IsPredeclared = predeclared },
            ExchangeTypes.Fanout => new FanoutExchange(this, name, durable, autoDelete, isInternal, arguments) { IsPredeclared = predeclared },
            ExchangeTypes.Topic => new TopicExchange(this, name, durable, autoDelete, isInternal, arguments) { IsPredeclared = predeclared },
            _ => new HeadersExchange(this, name, durable, autoDelete, isInternal, arguments) { IsPredeclared = predeclared },
        };

    private void CheckExclusiveAccess(IQueue queue, ClientConnection? caller)
    {
        if (queue.Exclusive && caller is not null && queue.Owner != caller) throw Locked(queue);
    }

    private BrokerException Locked(IQueue queue) =>
        new(BrokerError.ResourceLocked,
            $"cannot obtain exclusive access to locked queue '{queue.Name}' in vhost '{Name}'. It could be originally " +
            "declared on another connection or the exclusive property value does not match that of the original declaration.");

    // kind is "exchange" or "queue": the name alone cannot tell, a queue and an exchange may share one.
    private void Authorize(ClientConnection? caller, Permission permission, string resource, string kind = "exchange") =>
        Authorize(caller?.User, permission, resource, kind);

    /// <summary>As above for a caller known by its user alone (connectionless adapters); null = in-process, no check.</summary>
    private void Authorize(User? user, Permission permission, string resource, string kind)
    {
        if (user is null) return;
        var permissions = user.PermissionsFor(Name);
        if (permissions is not null && permissions.Allows(permission, resource)) return;
        throw new BrokerException(BrokerError.AccessRefused,
            $"access to {kind} '{resource}' in vhost '{Name}' refused for user '{user.Name}'");
    }

    private void CheckEquivalent(Exchange existing, string type, bool durable, bool autoDelete, bool isInternal,
        IReadOnlyDictionary<string, object?>? arguments)
    {
        string what = $"exchange '{existing.Name}' in vhost '{Name}'";
        if (existing.Type != type)
            throw Inequivalent("type", what, $"'{type}'", $"'{existing.Type}'");
        if (existing.Durable != durable)
            throw Inequivalent("durable", what, Bool(durable), Bool(existing.Durable));
        if (existing.AutoDelete != autoDelete)
            throw Inequivalent("auto_delete", what, Bool(autoDelete), Bool(existing.AutoDelete));
        if (existing.Internal != isInternal)
            throw Inequivalent("internal", what, Bool(isInternal), Bool(existing.Internal));
        if (existing.IsPredeclared) return;
        object? receivedAe = arguments?.GetValueOrDefault("alternate-exchange");
        object? currentAe = existing.Arguments.GetValueOrDefault("alternate-exchange");
        if (!FieldValue.AreEqual(receivedAe, currentAe))
            throw Inequivalent("alternate-exchange", what, FieldValue.Describe(receivedAe), FieldValue.Describe(currentAe));
    }

    private void CheckEquivalent(IQueue existing, bool durable, bool exclusive, bool autoDelete,
        IReadOnlyDictionary<string, object?>? arguments)
    {
        string what = $"queue '{existing.Name}' in vhost '{Name}'";
        // RabbitMQ checks exclusivity strictly and first: a mismatch is 405, not an inequivalent arg.
        if (existing.Exclusive != exclusive) throw Locked(existing);
        if (existing.Durable != (durable && !exclusive))
            throw Inequivalent("durable", what, Bool(durable), Bool(existing.Durable));
        if (existing.AutoDelete != autoDelete)
            throw Inequivalent("auto_delete", what, Bool(autoDelete), Bool(existing.AutoDelete));
        foreach (var key in QueueArguments.Compared)
        {
            object? received = arguments?.GetValueOrDefault(key);
            object? current = existing.Arguments.GetValueOrDefault(key);
            if (!FieldValue.AreEqual(received, current))
                throw Inequivalent(key, what, FieldValue.Describe(received), FieldValue.Describe(current));
        }
    }

    private static BrokerException Inequivalent(string arg, string what, string received, string current) =>
        new(BrokerError.PreconditionFailed, $"inequivalent arg '{arg}' for {what}: received {received} but current is {current}");

    private static string Bool(bool value) => value ? "'true'" : "'false'";

    private static string GenerateQueueName() => GeneratedNames.New("amq.gen-");
}
