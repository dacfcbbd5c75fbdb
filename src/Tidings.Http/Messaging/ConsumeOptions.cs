using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Tidings.Http.Messaging;

/// <summary>The query of an SSE or WebSocket consume request: ?prefetch=10&amp;ack=manual|auto.</summary>
internal readonly record struct ConsumeOptions(ushort Prefetch, AckMode AckMode)
{
    public static ConsumeOptions FromQuery(IQueryCollection query)
    {
        ushort prefetch = MessagingLimits.DefaultPrefetch;
        string? text = query["prefetch"];
        if (text is not null)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ||
                value < 1 || value > MessagingLimits.MaxPrefetch)
                throw RestException.BadRequest($"prefetch must be an integer from 1 to {MessagingLimits.MaxPrefetch}, not '{text}'");
            prefetch = (ushort)value;
        }
        return new ConsumeOptions(prefetch, AckModes.Parse(query["ack"]));
    }
}
