namespace Tidings.Core.Queues;

/// <summary>
/// A <see cref="DeliveryHandle"/> as plain data, for adapters that must hand a receipt to a
/// client and find the delivery again from a later request (an SQS receipt handle): the entry's
/// position in its queue and the delivery's generation. Valid while that delivery is out; see
/// <see cref="VirtualHost.TryFindDelivery"/>.
/// </summary>
public readonly record struct DeliveryToken(long Position, uint Generation);
