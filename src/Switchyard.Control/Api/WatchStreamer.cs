using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Control.Api;

/// <summary>
/// Watch over HTTP, as Kubernetes streams it: one JSON object per line,
/// <c>{"type":"ADDED|MODIFIED|DELETED","object":{...}}</c>, flushed as each event arrives.
/// A revision that was compacted away gets one <c>{"type":"ERROR","object":&lt;Status 410 Expired&gt;}</c>
/// and the stream ends; the client lists again and watches from the list's resourceVersion.
/// The stream ends when the client goes away, after timeoutSeconds, or when the server stops.
/// </summary>
internal sealed class WatchStreamer(IResourceStore store, IHostApplicationLifetime lifetime, TimeProvider time)
{
    private static readonly byte[] ObjectSuffix = "}\n"u8.ToArray();

    public async Task StreamAsync(HttpContext context, ResourcePath target, RequestQuery query)
    {
        using var timeout = query.Timeout is { } t ? new CancellationTokenSource(t, time) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping, timeout.Token);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = ApiResponses.JsonContentType;
        response.Headers.CacheControl = "no-cache, private";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            // Headers go out at once, so the client knows the watch is established before any event.
            await response.StartAsync(stop.Token);
            await response.BodyWriter.FlushAsync(stop.Token);
            var watch = new WatchQuery(target.Kind, target.Namespace, query.LabelSelector, query.ResourceVersion);
            await foreach (var ev in store.WatchAsync(watch, stop.Token))
            {
                if (ev.Type == WatchEventType.Expired)
                {
                    var status = ApiStatus.Expired($"too old resource version: {query.ResourceVersion} ({ev.Revision})");
                    response.BodyWriter.Write(Encoding.UTF8.GetBytes("{\"type\":\"ERROR\",\"object\":"));
                    await using (var writer = new Utf8JsonWriter(response.BodyWriter)) status.ToJson().WriteTo(writer);
                    response.BodyWriter.Write(ObjectSuffix);
                    await response.BodyWriter.FlushAsync(stop.Token);
                    return;
                }
                if (query.FieldSelector is { } fields && !fields.Matches(ev.Object!.Metadata)) continue;
                response.BodyWriter.Write(Prefix(ev.Type));
                response.BodyWriter.Write(ResourceJson.SerializeToUtf8(ev.Object!));
                response.BodyWriter.Write(ObjectSuffix);
                await response.BodyWriter.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Client gone, timeout reached or server stopping: the watch simply ends.
        }
    }

    private static readonly byte[] Added = "{\"type\":\"ADDED\",\"object\":"u8.ToArray();
    private static readonly byte[] Modified = "{\"type\":\"MODIFIED\",\"object\":"u8.ToArray();
    private static readonly byte[] Deleted = "{\"type\":\"DELETED\",\"object\":"u8.ToArray();

    private static byte[] Prefix(WatchEventType type) => type switch
    {
        WatchEventType.Added => Added,
        WatchEventType.Modified => Modified,
        WatchEventType.Deleted => Deleted,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
