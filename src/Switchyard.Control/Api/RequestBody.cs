using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Switchyard.Control.Api;

/// <summary>Reads a JSON request body: checks the media type, the size and the syntax.</summary>
internal static class RequestBody
{
    /// <summary>Largest body accepted (a big multi-object apply fits; the Kubernetes API server allows 3 MiB per object).</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    public static readonly string[] JsonTypes = ["application/json"];

    /// <summary>The body as a JSON node, or the Status to answer with (400 bad syntax, 413 too large, 415 wrong media type).</summary>
    public static async Task<(JsonNode? Node, ApiStatus? Error)> ReadJsonAsync(HttpRequest request, IReadOnlyList<string> mediaTypes, CancellationToken cancellationToken)
    {
        var mediaType = MediaType(request.ContentType);
        // A missing Content-Type is read as JSON, so that plain `curl --data-binary` works.
        if (mediaType is not null && !mediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            return (null, ApiStatus.UnsupportedMediaType(request.ContentType, mediaTypes));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes) return (null, new ApiStatus(413, "RequestEntityTooLarge", $"the request body is larger than {MaxBytes} bytes"));
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return (null, ApiStatus.BadRequest("the request body is empty; a JSON object is required"));
        try
        {
            var node = JsonNode.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length).Span, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
            return node is JsonObject ? (node, null) : (null, ApiStatus.BadRequest("the request body must be a JSON object"));
        }
        catch (JsonException e)
        {
            return (null, ApiStatus.BadRequest($"the request body is not valid JSON: {e.Message}"));
        }
    }

    public static string? MediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return null;
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
    }
}
