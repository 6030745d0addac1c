using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Client;

/// <summary>
/// A thin typed client for the control plane's Kubernetes-style REST API. Objects travel in wire form
/// (<see cref="JsonObject"/>) so that what the server sends is what -o json prints. Every failure comes
/// back as an <see cref="ApiError"/>: unreachable, unauthorized, or the server's Status.
/// </summary>
internal sealed class SwitchyardClient : IDisposable
{
    public const string ApplyPath = "/apis/switchyard.dev/v1/apply";
    public const string MergePatchType = "application/merge-patch+json";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http;

    public SwitchyardClient(ServerTarget target, HttpMessageHandler? handler = null)
    {
        Target = target;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = target.Server;
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (target.Token is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
    }

    public ServerTarget Target { get; }

    public static string ItemPath(ResourceKind kind, string? ns, string name) =>
        $"{kind.CollectionPath(kind.Namespaced ? ns ?? "default" : null)}/{Uri.EscapeDataString(name)}";

    public async Task<ApiResult<JsonObject>> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken cancellationToken) =>
        await SendForObjectAsync(HttpMethod.Get, ItemPath(kind, ns, name), null, cancellationToken);

    /// <summary>Lists one kind in a namespace, or in all namespaces when <paramref name="ns"/> is null.</summary>
    public async Task<ApiResult<ListResponse>> ListAsync(ResourceKind kind, string? ns, string? labelSelector, CancellationToken cancellationToken)
    {
        var result = await SendForObjectAsync(HttpMethod.Get, WithSelector(kind.CollectionPath(ns), labelSelector), null, cancellationToken);
        if (!result.Ok) return result.Error!;
        var items = result.Value!["items"] is JsonArray a ? a.OfType<JsonObject>().Select(i => StampKind(kind, i)).ToList() : [];
        return ApiResult<ListResponse>.Success(new ListResponse(items, result.Value!["metadata"]?["resourceVersion"]?.GetValue<string>()));
    }

    /// <summary>Applies a batch all-or-nothing; returns what happened to each object, in order.</summary>
    public async Task<ApiResult<IReadOnlyList<AppliedObject>>> ApplyAsync(IReadOnlyList<JsonNode> objects, bool dryRun, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. objects.Select(o => o.DeepClone())]) };
        var result = await SendForObjectAsync(HttpMethod.Post, dryRun ? ApplyPath + "?dryRun=All" : ApplyPath, body, cancellationToken);
        if (!result.Ok) return result.Error!;
        var applied = new List<AppliedObject>();
        foreach (var item in result.Value!["items"] as JsonArray ?? [])
        {
            if (item?["object"] is JsonObject obj) applied.Add(new AppliedObject(item["action"]?.GetValue<string>() ?? "applied", obj));
        }
        return ApiResult<IReadOnlyList<AppliedObject>>.Success(applied);
    }

    public async Task<ApiResult<JsonObject>> DeleteAsync(ResourceKind kind, string? ns, string name, CancellationToken cancellationToken) =>
        await SendForObjectAsync(HttpMethod.Delete, ItemPath(kind, ns, name), null, cancellationToken);

    /// <summary>Applies a JSON merge patch (RFC 7386) to one object and returns it as stored.</summary>
    public async Task<ApiResult<JsonObject>> PatchAsync(ResourceKind kind, string? ns, string name, JsonObject patch, CancellationToken cancellationToken) =>
        await SendForObjectAsync(HttpMethod.Patch, ItemPath(kind, ns, name), patch, cancellationToken, MergePatchType);

    /// <summary>Replaces one object (PUT); the write is conditional when the body carries metadata.resourceVersion.</summary>
    public async Task<ApiResult<JsonObject>> ReplaceAsync(ResourceKind kind, string? ns, string name, JsonObject obj, CancellationToken cancellationToken) =>
        await SendForObjectAsync(HttpMethod.Put, ItemPath(kind, ns, name), obj, cancellationToken);

    /// <summary>The server's /version document (no token needed).</summary>
    public async Task<ApiResult<JsonObject>> VersionAsync(CancellationToken cancellationToken) =>
        await SendForObjectAsync(HttpMethod.Get, "/version", null, cancellationToken);

    /// <summary>
    /// Opens a watch from <paramref name="resourceVersion"/>. The outer result fails if the watch cannot
    /// start; afterwards each line is yielded as it arrives until the server or the token ends the stream.
    /// </summary>
    public async Task<ApiResult<IAsyncEnumerable<WatchLine>>> WatchAsync(
        ResourceKind kind, string? ns, string? labelSelector, string? resourceVersion, CancellationToken cancellationToken)
    {
        var path = WithSelector(kind.CollectionPath(ns), labelSelector);
        path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "watch=true";
        if (resourceVersion is not null) path += "&resourceVersion=" + Uri.EscapeDataString(resourceVersion);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return Unreachable(e);
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response) return await ErrorFromAsync(response, cancellationToken);
        }
        return ApiResult<IAsyncEnumerable<WatchLine>>.Success(ReadLinesAsync(kind, response, cancellationToken));
    }

    public void Dispose() => _http.Dispose();

    private static async IAsyncEnumerable<WatchLine> ReadLinesAsync(ResourceKind kind, HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (response)
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0) continue;
                if (JsonNode.Parse(line) is not JsonObject evt || evt["object"] is not JsonObject obj) continue;
                var type = evt["type"]?.GetValue<string>() ?? "";
                yield return new WatchLine(type, type == "ERROR" ? obj : StampKind(kind, obj));
            }
        }
    }

    private async Task<ApiResult<JsonObject>> SendForObjectAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string contentType = "application/json")
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode) return await ErrorFromAsync(response, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            try
            {
                return JsonNode.Parse(text) is JsonObject o
                    ? ApiResult<JsonObject>.Success(o)
                    : new ApiError(ApiErrorKind.Protocol, $"{method} {path}: expected a JSON object from the server");
            }
            catch (JsonException e)
            {
                return new ApiError(ApiErrorKind.Protocol, $"{method} {path}: the server's answer is not JSON ({e.Message})");
            }
        }
        catch (HttpRequestException e)
        {
            return Unreachable(e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ApiError(ApiErrorKind.Unreachable, $"{method} {path}: no answer from {Target.Server} within {RequestTimeout.TotalSeconds:0}s");
        }
    }

    private ApiError Unreachable(HttpRequestException e) =>
        new(ApiErrorKind.Unreachable, e.InnerException?.Message ?? e.Message);

    private async Task<ApiError> ErrorFromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            text = "";
        }
        JsonObject? status = null;
        try
        {
            status = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return new ApiError(ApiErrorKind.Unauthorized, status?["message"]?.GetValue<string>() ?? "Unauthorized", code, "Unauthorized");
        }
        if (status is null || status["kind"]?.GetValue<string>() != "Status")
        {
            var snippet = text.Length > 200 ? text[..200] + "..." : text;
            return new ApiError(ApiErrorKind.Status, $"the server answered {code} {response.ReasonPhrase}: {snippet}".TrimEnd(' ', ':'), code, response.ReasonPhrase ?? "");
        }
        var causes = (status["details"]?["causes"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(c => new StatusCause(c["field"]?.GetValue<string>() ?? "", c["message"]?.GetValue<string>() ?? ""))
            .ToList();
        return new ApiError(ApiErrorKind.Status, status["message"]?.GetValue<string>() ?? "", status["code"]?.GetValue<int>() ?? code,
            status["reason"]?.GetValue<string>() ?? "", causes);
    }

    private static string WithSelector(string path, string? labelSelector) =>
        string.IsNullOrEmpty(labelSelector) ? path : $"{path}?labelSelector={Uri.EscapeDataString(labelSelector)}";

    /// <summary>Lists may omit apiVersion/kind on items (as Kubernetes does); put them back so output is self-describing.</summary>
    private static JsonObject StampKind(ResourceKind kind, JsonObject obj)
    {
        if (obj["apiVersion"] is null || obj["kind"] is null)
        {
            var stamped = new JsonObject { ["apiVersion"] = kind.ApiVersion, ["kind"] = kind.Kind };
            foreach (var (key, value) in obj.ToList())
            {
                if (key is "apiVersion" or "kind") continue;
                obj.Remove(key);
                stamped[key] = value;
            }
            return stamped;
        }
        return obj;
    }
}
