using Microsoft.AspNetCore.Http;
using Tidings.Core;

namespace Tidings.Http.Common;

/// <summary>
/// The outermost guard of every HTTP request: an exception no handler expected becomes a 500 with
/// a JSON body in RabbitMQ's shape (Kestrel would answer an empty 500), reported once to
/// <see cref="Broker.Faults"/> (the server logs it with the stack trace). When the
/// response has already started, the connection is aborted instead, so the client sees a broken
/// reply rather than a truncated one that looks whole.
/// </summary>
internal sealed class LastResortErrors(Broker broker)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            broker.Faults.Report($"HTTP {context.Request.Method} {context.Request.Path.Value}", e);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }
            context.Response.Clear();
            await HttpErrors.InternalError("the server failed to handle the request; see its log")
                .ExecuteAsync(context).ConfigureAwait(false);
        }
    }
}
