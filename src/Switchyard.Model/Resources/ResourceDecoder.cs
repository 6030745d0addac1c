using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Switchyard.Model.Validation;

namespace Switchyard.Model.Resources;

/// <summary>The outcome of decoding one JSON object into a resource: the object, or every problem found.</summary>
public sealed record DecodeResult(ResourceKind? Kind, IKubernetesObject<V1ObjectMeta>? Object, IReadOnlyList<FieldError> Errors)
{
    public bool Ok => Object is not null && Errors.Count == 0;
}

/// <summary>
/// Turns a JSON object (from a manifest or an API request body) into a typed resource.
/// STUB: not yet strict; the manifest work replaces this with a walk that reports unknown fields and type mismatches by path.
/// </summary>
public static class ResourceDecoder
{
    public static DecodeResult Decode(JsonNode node)
    {
        if (node is not JsonObject o) return new(null, null, [new FieldError("", "expected a JSON object")]);
        var apiVersion = o["apiVersion"]?.GetValue<string>() ?? "";
        var kindName = o["kind"]?.GetValue<string>() ?? "";
        var kind = ResourceKinds.Find(apiVersion, kindName);
        if (kind is null) return new(null, null, [new FieldError("kind", $"unknown kind \"{kindName}\" in apiVersion \"{apiVersion}\"")]);
        try
        {
            return new(kind, ResourceJson.Deserialize(kind, node), []);
        }
        catch (JsonException e)
        {
            return new(kind, null, [new FieldError(e.Path ?? "", e.Message)]);
        }
    }
}
