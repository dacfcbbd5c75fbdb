using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Definitions;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>
/// /api/definitions: export and import of users, vhosts, permissions, queues, exchanges and
/// bindings in RabbitMQ's file format, through the core's one definitions model
/// (Tidings.Core.Definitions). Import merges: objects not in the file stay; users, vhost metadata
/// and permissions are overwritten; an existing queue or exchange declared differently is left
/// as it is. Policies and parameters are accepted and not applied. Invalid input is a 400.
/// </summary>
internal static class DefinitionEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.Get("definitions", Access.Administrator, "Exports the broker's definitions", r => Export(r, null));
        router.Post("definitions", Access.Administrator, "Imports definitions (JSON body, or multipart field 'file')", r => Import(r, null));
        router.Get("definitions/{vhost}", Access.Administrator, "Exports one virtual host's definitions", r => Export(r, r.Vhost()));
        router.Post("definitions/{vhost}", Access.Administrator, "Imports definitions into one virtual host", r => Import(r, r.Vhost()));
    }

    private static IResult Export(ApiRequest request, VirtualHost? only)
    {
        var definitions = DefinitionsExport.From(request.Broker, new DefinitionsExportOptions
        {
            OneVirtualHost = only,
            RabbitVersion = OverviewEndpoints.CompatibleRabbitMqVersion,
        });
        return Results.Bytes(DefinitionsJson.Write(definitions, indented: false), "application/json; charset=utf-8");
    }

    private static IResult Import(ApiRequest request, VirtualHost? only)
    {
        var definitions = DefinitionsJson.Read(request.BodyObject(), RefuseInvalid);
        DefinitionsImport.Apply(request.Broker, definitions, new DefinitionsImportOptions { Report = RefuseInvalid, Into = only });
        return Results.NoContent();
    }

    /// <summary>An invalid entry is a 400 with its reason; an omitted one (a default-exchange binding) is fine.</summary>
    private static void RefuseInvalid(DefinitionsProblem problem)
    {
        if (problem.Kind == DefinitionsProblemKind.Invalid) throw new ApiError(HttpErrors.BadRequest(problem.Message));
    }
}
