using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>
/// The <c>pod-template-hash</c> of a pod template: FNV-1a (32 bit) over the template's canonical JSON
/// (object keys sorted, the <c>pod-template-hash</c> label itself left out), salted with the
/// Deployment's <c>status.collisionCount</c> when set, written as its decimal digits mapped onto a
/// consonant-and-digit alphabet. The result is at most 10 characters, a valid DNS label and label
/// value, and the same for the same template in every process and across restarts.
/// </summary>
public static class PodTemplateHash
{
    /// <summary>No vowels (no words) and no look-alike characters, as Kubernetes' generated names.</summary>
    internal const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(V1PodTemplateSpec? template, int? collisionCount = null)
    {
        var node = template is null ? new JsonObject() : JsonSerializer.SerializeToNode(template, ResourceJson.Info<V1PodTemplateSpec>()) ?? new JsonObject();
        if (node["metadata"]?["labels"] is JsonObject labels) labels.Remove(DeploymentLabels.PodTemplateHash);
        var text = new StringBuilder();
        WriteCanonical(node, text);
        if (collisionCount is { } c) text.Append('#').Append(c.ToString(CultureInfo.InvariantCulture));
        var hash = Fnv1a(Encoding.UTF8.GetBytes(text.ToString()));
        return Encode(hash.ToString(CultureInfo.InvariantCulture));
    }

    private static uint Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 2166136261u;
        foreach (var b in data)
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash;
    }

    private static string Encode(string digits)
    {
        var chars = new char[digits.Length];
        for (var i = 0; i < digits.Length; i++) chars[i] = Alphabet[digits[i] % Alphabet.Length];
        return new string(chars);
    }

    private static void WriteCanonical(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (value is null) continue;
                    if (!first) text.Append(',');
                    first = false;
                    text.Append(JsonValue.Create(key).ToJsonString()).Append(':');
                    WriteCanonical(value, text);
                }
                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) text.Append(',');
                    WriteCanonical(array[i], text);
                }
                text.Append(']');
                break;
            case null:
                text.Append("null");
                break;
            default:
                text.Append(node.ToJsonString());
                break;
        }
    }
}
