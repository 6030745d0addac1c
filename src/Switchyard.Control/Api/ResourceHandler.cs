using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Switchyard.Control.Apply;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Control.Api;

/// <summary>
/// The Kubernetes-style REST verbs for every served kind: GET (get, list, watch), POST (create),
/// PUT (update, also of the status subresource), PATCH (JSON merge patch) and DELETE.
/// </summary>
internal sealed partial class ResourceHandler(ApplyService apply, IResourceStore store, WatchStreamer watches)
{
    public async Task HandleAsync(HttpContext context)
    {
        var target = ResourcePath.Parse(context.Request.Path.Value ?? "");
        if (target is null)
        {
            await ApiResponses.WriteStatusAsync(context, ApiStatus.PathNotFound());
            return;
        }
        var (query, queryError) = RequestQuery.Parse(context.Request.Query);
        if (queryError is not null)
        {
            await ApiResponses.WriteStatusAsync(context, queryError);
            return;
        }
        var q = query!;
        var method = context.Request.Method;
        var isItem = target.Name is not null;
        var isStatus = target.Subresource is not null;
        var isNamespacedCollection = !target.Kind.Namespaced || target.Namespace is not null;
        var task = method switch
        {
            "GET" when isItem => GetAsync(context, target),
            "GET" when q.Watch => watches.StreamAsync(context, target, q),
            "GET" => ListAsync(context, target, q),
            "POST" when !isItem && isNamespacedCollection => CreateAsync(context, target, q),
            "PUT" when isItem => UpdateAsync(context, target, q),
            "PATCH" when isItem && !isStatus => PatchAsync(context, target, q),
            "DELETE" when isItem && !isStatus => DeleteAsync(context, target, q),
            _ => ApiResponses.WriteStatusAsync(context, ApiStatus.MethodNotAllowed(method)),
        };
        await task;
    }

    private async Task GetAsync(HttpContext context, ResourcePath target)
    {
        var obj = await store.GetAsync(target.Ref, context.RequestAborted);
        if (obj is null) await ApiResponses.WriteStatusAsync(context, ApiStatus.NotFound(target.Ref));
        else await ApiResponses.WriteObjectAsync(context, 200, obj);
    }

    private async Task ListAsync(HttpContext context, ResourcePath target, RequestQuery query)
    {
        var list = await store.ListAsync(new ListQuery(target.Kind, target.Namespace, query.LabelSelector), context.RequestAborted);
        var items = query.FieldSelector is { } fields ? list.Items.Where(o => fields.Matches(o.Metadata)) : list.Items;
        await ApiResponses.WriteListAsync(context, target.Kind, items, list.Revision);
    }

    private async Task CreateAsync(HttpContext context, ResourcePath target, RequestQuery query)
    {
        var (obj, error) = await ReadObjectAsync(context, target);
        if (obj is null)
        {
            await ApiResponses.WriteStatusAsync(context, error!);
            return;
        }
        var result = await apply.CreateAsync(obj, Options(target, query), context.RequestAborted);
        await WriteOutcomeAsync(context, ObjectRef.Of(obj), result, successCode: 201);
    }

    private async Task UpdateAsync(HttpContext context, ResourcePath target, RequestQuery query)
    {
        var (obj, error) = await ReadObjectAsync(context, target);
        if (obj is null)
        {
            await ApiResponses.WriteStatusAsync(context, error!);
            return;
        }
        var options = Options(target, query);
        var result = target.Subresource is null
            ? await apply.UpdateAsync(obj, options, context.RequestAborted)
            : await apply.UpdateStatusAsync(obj, options, context.RequestAborted);
        await WriteOutcomeAsync(context, target.Ref, result, successCode: 200);
    }

    private async Task DeleteAsync(HttpContext context, ResourcePath target, RequestQuery query)
    {
        string? expectedVersion = null;
        long? grace = null;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            // Optional DeleteOptions body: {"preconditions":{"resourceVersion":"N"},"gracePeriodSeconds":N}.
            var (body, error) = await RequestBody.ReadJsonAsync(context.Request, RequestBody.JsonTypes, context.RequestAborted);
            if (error is not null)
            {
                await ApiResponses.WriteStatusAsync(context, error);
                return;
            }
            expectedVersion = body?["preconditions"]?["resourceVersion"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            grace = body?["gracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var seconds) ? seconds : null;
        }
        var options = Options(target, query);
        if (grace is null && long.TryParse(context.Request.Query["gracePeriodSeconds"], out var fromQuery)) grace = fromQuery;
        if (grace is not null) options = options with { GracePeriodSeconds = grace };
        var result = await apply.DeleteOneAsync(target.Ref, expectedVersion, options, context.RequestAborted);
        await WriteOutcomeAsync(context, target.Ref, result, successCode: 200);
    }

    private static ApplyOptions Options(ResourcePath target, RequestQuery query) =>
        new() { DryRun = query.DryRun, DefaultNamespace = target.Namespace };

    /// <summary>
    /// Decodes a request body for a path: apiVersion and kind default to the path's, must match it when
    /// given; the namespace and name default to the path's and must match them when given.
    /// </summary>
    private static async Task<(IKubernetesObject<V1ObjectMeta>? Object, ApiStatus? Error)> ReadObjectAsync(HttpContext context, ResourcePath target)
    {
        var (node, error) = await RequestBody.ReadJsonAsync(context.Request, RequestBody.JsonTypes, context.RequestAborted);
        return node is null ? (null, error) : DecodeForPath(node.AsObject(), target);
    }

    internal static (IKubernetesObject<V1ObjectMeta>? Object, ApiStatus? Error) DecodeForPath(JsonObject body, ResourcePath target)
    {
        var kind = target.Kind;
        body["apiVersion"] ??= kind.ApiVersion;
        body["kind"] ??= kind.Kind;
        var apiVersion = body["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : "";
        var kindName = body["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : "";
        if (kindName != kind.Kind || !kind.AcceptsApiVersion(apiVersion))
        {
            return (null, ApiStatus.BadRequest(
                $"the object's kind \"{kindName}\" (apiVersion \"{apiVersion}\") does not match the path, which serves {kind.Kind} ({kind.ApiVersion})"));
        }
        var decoded = ResourceDecoder.Decode(body);
        var rawName = body["metadata"]?["name"] is JsonValue nv && nv.TryGetValue<string>(out var n) ? n : target.Name ?? "";
        if (!decoded.Ok) return (null, ApiStatus.Invalid(kind, rawName, decoded.Errors));
        var obj = decoded.Object!;
        var meta = obj.Metadata ??= new V1ObjectMeta();
        if (kind.Namespaced)
        {
            if (string.IsNullOrEmpty(meta.NamespaceProperty)) meta.NamespaceProperty = target.Namespace;
            else if (meta.NamespaceProperty != target.Namespace)
            {
                return (null, ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
            }
        }
        if (target.Name is not null)
        {
            if (string.IsNullOrEmpty(meta.Name)) meta.Name = target.Name;
            else if (meta.Name != target.Name)
            {
                return (null, ApiStatus.BadRequest($"the name of the object ({meta.Name}) does not match the name on the URL ({target.Name})"));
            }
        }
        return (obj, null);
    }

    private static Task WriteOutcomeAsync(HttpContext context, ObjectRef r, ObjectWriteResult result, int successCode) => result.Status switch
    {
        ObjectWriteStatus.Ok => ApiResponses.WriteObjectAsync(context, successCode, result.Object!),
        ObjectWriteStatus.Invalid => ApiResponses.WriteStatusAsync(context, ApiStatus.Invalid(r.Kind, r.Name, result.Errors)),
        ObjectWriteStatus.NotFound => ApiResponses.WriteStatusAsync(context, ApiStatus.NotFound(result.Missing ?? r)),
        ObjectWriteStatus.AlreadyExists => ApiResponses.WriteStatusAsync(context, ApiStatus.AlreadyExists(r, result.Message!)),
        ObjectWriteStatus.Conflict => ApiResponses.WriteStatusAsync(context, ApiStatus.Conflict(r, result.Message!)),
        ObjectWriteStatus.Forbidden => ApiResponses.WriteStatusAsync(context, ApiStatus.Forbidden(r, result.Message!)),
        _ => throw new InvalidOperationException($"unexpected write status {result.Status}"),
    };
}
