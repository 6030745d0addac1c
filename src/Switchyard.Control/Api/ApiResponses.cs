using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Switchyard.Model.Resources;

namespace Switchyard.Control.Api;

/// <summary>Writes JSON responses: resources in the Kubernetes wire format, lists, and Status errors.</summary>
internal static class ApiResponses
{
    public const string JsonContentType = "application/json";

    public static Task WriteStatusAsync(HttpContext context, ApiStatus status)
    {
        if (status.Code == 401) context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteJsonAsync(context, status.Code, status.ToJson());
    }

    public static async Task WriteJsonAsync(HttpContext context, int code, JsonNode json)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = JsonContentType;
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteTo(writer, ResourceJson.Options);
        await writer.FlushAsync(context.RequestAborted);
    }

    public static async Task WriteObjectAsync(HttpContext context, int code, IKubernetesObject<V1ObjectMeta> obj)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = JsonContentType;
        await context.Response.Body.WriteAsync(ResourceJson.SerializeToUtf8(obj), context.RequestAborted);
    }

    /// <summary>A Kubernetes list: <c>{"apiVersion","kind":"PodList","metadata":{"resourceVersion"},"items":[...]}</c>.</summary>
    public static async Task WriteListAsync(HttpContext context, ResourceKind kind, IEnumerable<IKubernetesObject<V1ObjectMeta>> items, long revision)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = JsonContentType;
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("apiVersion", kind.ApiVersion);
        writer.WriteString("kind", kind.Kind + "List");
        writer.WriteStartObject("metadata");
        writer.WriteString("resourceVersion", Revision(revision));
        writer.WriteEndObject();
        writer.WriteStartArray("items");
        foreach (var item in items)
        {
            writer.WriteRawValue(ResourceJson.SerializeToUtf8(item), skipInputValidation: true);
            if (writer.BytesPending > 32 * 1024) await writer.FlushAsync(context.RequestAborted);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    public static string Revision(long revision) => revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
