using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchyard.Store;

namespace Switchyard.Control.Api;

/// <summary>
/// The routes of the API server. Discovery and the batch endpoints are matched first; everything
/// else below /api and /apis is a resource path. Unknown paths answer a 404 Status, known paths
/// with a verb they do not serve a 405 Status, unexpected exceptions a 500 Status.
/// </summary>
public static class ApiEndpoints
{
    public static void MapSwitchyardApi(this WebApplication app, string token)
    {
        var auth = new BearerTokenAuthentication(token);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Switchyard.Api");
        app.Use(async (context, next) =>
        {
            try
            {
                await auth.InvokeAsync(context, () => next(context));
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away.
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
                if (context.Response.HasStarted) throw;
                await ApiResponses.WriteStatusAsync(context, ApiStatus.InternalError(e.Message));
            }
        });

        // Plain request delegates throughout (no parameter binding), so the server needs no runtime code generation.
        app.MapGet("/healthz", c => Results.Text("ok").ExecuteAsync(c));
        app.MapGet("/livez", c => Results.Text("ok").ExecuteAsync(c));
        app.MapGet("/readyz", async c =>
        {
            await c.RequestServices.GetRequiredService<IResourceStore>().GetRevisionAsync(c.RequestAborted);
            await Results.Text("ok").ExecuteAsync(c);
        });
        app.MapGet("/version", c => ApiResponses.WriteJsonAsync(c, 200, Discovery.Version()));

        var batch = app.Services.GetRequiredService<BatchEndpoints>();
        var resources = app.Services.GetRequiredService<ResourceHandler>();
        app.Map("/api/{**rest}", context => RouteAsync(context, batch, resources));
        app.Map("/apis/{**rest}", context => RouteAsync(context, batch, resources));
        app.Map("/{**rest}", context => ApiResponses.WriteStatusAsync(context, ApiStatus.PathNotFound()));
    }

    private static Task RouteAsync(HttpContext context, BatchEndpoints batch, ResourceHandler resources)
    {
        var s = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = HttpMethods.IsGet(context.Request.Method);
        return s switch
        {
            ["api"] => Discover(context, get, Discovery.ApiVersions()),
            ["api", var v] => Discover(context, get, Discovery.Resources("", v)),
            ["apis"] => Discover(context, get, Discovery.GroupList()),
            ["apis", var g] => Discover(context, get, Discovery.Group(g)),
            ["apis", BatchEndpoints.Group, "v1", "apply"] => Post(context, batch.ApplyAsync),
            ["apis", BatchEndpoints.Group, "v1", "delete"] => Post(context, batch.DeleteAsync),
            ["apis", var g, var v] => Discover(context, get, Discovery.Resources(g, v)),
            _ => resources.HandleAsync(context),
        };
    }

    private static Task Discover(HttpContext context, bool get, JsonObject? document) =>
        document is null ? ApiResponses.WriteStatusAsync(context, ApiStatus.PathNotFound())
        : !get ? ApiResponses.WriteStatusAsync(context, ApiStatus.MethodNotAllowed(context.Request.Method))
        : ApiResponses.WriteJsonAsync(context, 200, document);

    private static Task Post(HttpContext context, Func<HttpContext, Task> handler) =>
        HttpMethods.IsPost(context.Request.Method) ? handler(context)
        : ApiResponses.WriteStatusAsync(context, ApiStatus.MethodNotAllowed(context.Request.Method));
}
