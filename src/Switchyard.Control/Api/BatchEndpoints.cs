using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Switchyard.Control.Apply;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Api;

/// <summary>
/// The endpoints the CLI uses to apply or delete many objects at once, all or nothing:
/// <c>POST /apis/switchyard.dev/v1/apply</c> and <c>POST /apis/switchyard.dev/v1/delete</c>, each with a
/// <c>{"kind":"List","items":[...]}</c> body (a single object is accepted as a list of one).
/// </summary>
internal sealed class BatchEndpoints(ApplyService apply)
{
    public const string Group = "switchyard.dev";
    public const string ApiVersion = "switchyard.dev/v1";

    public async Task ApplyAsync(HttpContext context)
    {
        var (items, options, error) = await ReadListAsync(context);
        if (items is null)
        {
            await ApiResponses.WriteStatusAsync(context, error!);
            return;
        }
        var errors = new List<(string, FieldError)>();
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not JsonObject item)
            {
                errors.Add(($"items[{i}]", new FieldError("", "expected a JSON object")));
                continue;
            }
            var decoded = ResourceDecoder.Decode(item);
            if (decoded.Ok) objects.Add(decoded.Object!);
            else errors.AddRange(decoded.Errors.Select(e => (Describe(item, i, options!), e)));
        }
        // With decode errors, the rest is still checked (as a dry run) so that every error is reported at once.
        var result = await apply.ApplyAsync(objects, errors.Count > 0 ? options! with { DryRun = true } : options!, context.RequestAborted);
        foreach (var objectErrors in result.Errors)
        {
            errors.AddRange(objectErrors.Errors.Select(e => (objectErrors.Ref.ToString(), e)));
        }
        if (errors.Count > 0)
        {
            await ApiResponses.WriteStatusAsync(context, ApiStatus.InvalidBatch("apply", errors));
            return;
        }
        var json = Envelope("ApplyResult", result.Revision, result.DryRun);
        json["items"] = new JsonArray([.. result.Items.Select(a => (JsonNode)new JsonObject
        {
            ["action"] = a.Action.ToString().ToLowerInvariant(),
            ["object"] = ResourceJson.ToNode(a.Object),
        })]);
        await ApiResponses.WriteJsonAsync(context, 200, json);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        var (items, options, error) = await ReadListAsync(context);
        if (items is null)
        {
            await ApiResponses.WriteStatusAsync(context, error!);
            return;
        }
        var errors = new List<(string, FieldError)>();
        var refs = new List<ObjectRef>();
        for (var i = 0; i < items.Count; i++)
        {
            var (r, refError) = RefOf(items[i], options!);
            if (r is { } found) refs.Add(found);
            else errors.Add(($"items[{i}]", refError!));
        }
        if (errors.Count > 0)
        {
            await ApiResponses.WriteStatusAsync(context, ApiStatus.InvalidBatch("delete", errors));
            return;
        }
        var result = await apply.DeleteAsync(refs, options!, context.RequestAborted);
        if (!result.Ok)
        {
            await ApiResponses.WriteStatusAsync(context, ApiStatus.InvalidBatch("delete",
                [.. result.Errors.SelectMany(o => o.Errors.Select(e => (o.Ref.ToString(), e)))]));
            return;
        }
        if (result.Items.Count > 0 && result.Items.All(d => d.Action == DeleteAction.NotFound))
        {
            var missing = result.Items.Select(d => ($"{d.Ref}", new FieldError("", $"{ApplyService.Resource(d.Ref.Kind)} \"{d.Ref.Name}\" not found"))).ToList();
            var status = new ApiStatus(404, "NotFound", result.Items.Count == 1
                ? $"{ApplyService.Resource(result.Items[0].Ref.Kind)} \"{result.Items[0].Ref.Name}\" not found"
                : $"none of the {result.Items.Count} objects exist")
            {
                Causes = [.. missing.Select(m => new StatusCause("NotFound", m.Item2.Message, m.Item1))],
            };
            await ApiResponses.WriteStatusAsync(context, status);
            return;
        }
        var json = Envelope("DeleteResult", result.Revision, result.DryRun);
        json["items"] = new JsonArray([.. result.Items.Select(d => (JsonNode)new JsonObject
        {
            ["action"] = d.Action == DeleteAction.Deleted ? "deleted" : "notfound",
            ["object"] = d.Object is { } o ? ResourceJson.ToNode(o) : Stub(d.Ref),
        })]);
        json["cascaded"] = new JsonArray([.. result.Cascaded.Select(r => (JsonNode)Stub(r))]);
        await ApiResponses.WriteJsonAsync(context, 200, json);
    }

    /// <summary>Reads a List body and the options from the query (dryRun=All, namespace=default namespace).</summary>
    private static async Task<(JsonArray? Items, ApplyOptions? Options, ApiStatus? Error)> ReadListAsync(HttpContext context)
    {
        var (query, queryError) = RequestQuery.Parse(context.Request.Query);
        if (query is null) return (null, null, queryError);
        var ns = context.Request.Query["namespace"].ToString();
        var options = new ApplyOptions { DryRun = query.DryRun, DefaultNamespace = ns.Length > 0 ? ns : "default" };
        var (node, error) = await RequestBody.ReadJsonAsync(context.Request, RequestBody.JsonTypes, context.RequestAborted);
        if (node is null) return (null, null, error);
        var body = node.AsObject();
        if (body["kind"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && body["kind"]!.GetValue<string>() == "List")
        {
            return body["items"] is JsonArray items
                ? (items, options, null)
                : (null, null, ApiStatus.BadRequest("a List must have an \"items\" array"));
        }
        return ([body.DeepClone()], options, null);
    }

    private static (ObjectRef? Ref, FieldError? Error) RefOf(JsonNode? item, ApplyOptions options)
    {
        if (item is not JsonObject o) return (null, new FieldError("", "expected a JSON object"));
        var apiVersion = Text(o["apiVersion"]);
        var kindName = Text(o["kind"]);
        var kind = ResourceKinds.Find(apiVersion, kindName);
        if (kind is null) return (null, new FieldError("kind", $"unknown kind \"{kindName}\" in apiVersion \"{apiVersion}\""));
        var name = Text(o["metadata"]?["name"]);
        if (name.Length == 0) return (null, new FieldError("metadata.name", "Required value: name is required"));
        var ns = Text(o["metadata"]?["namespace"]);
        return (new ObjectRef(kind, kind.Namespaced ? (ns.Length > 0 ? ns : options.DefaultNamespace) : null, name), null);
    }

    /// <summary>"Kind namespace/name" of an item that did not decode, as far as it can be read; else "items[i]".</summary>
    private static string Describe(JsonObject item, int index, ApplyOptions options)
    {
        var kindName = Text(item["kind"]);
        var name = Text(item["metadata"]?["name"]);
        if (kindName.Length == 0 || name.Length == 0) return $"items[{index}]";
        var ns = Text(item["metadata"]?["namespace"]);
        var kind = ResourceKinds.FindByKind(kindName);
        if (kind is { Namespaced: false }) return $"{kindName} {name}";
        return $"{kindName} {(ns.Length > 0 ? ns : options.DefaultNamespace)}/{name}";
    }

    private static string Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static JsonObject Envelope(string kind, long revision, bool dryRun)
    {
        var json = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["resourceVersion"] = ApiResponses.Revision(revision) },
        };
        if (dryRun) json["dryRun"] = true;
        return json;
    }

    private static JsonObject Stub(ObjectRef r)
    {
        var meta = new JsonObject { ["name"] = r.Name };
        if (r.Namespace is not null) meta["namespace"] = r.Namespace;
        return new JsonObject { ["apiVersion"] = r.Kind.ApiVersion, ["kind"] = r.Kind.Kind, ["metadata"] = meta };
    }
}
