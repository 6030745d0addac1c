using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Filters;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// Sends RequestMirror copies fire-and-forget: the copy is built before the primary request is forwarded and sent
/// in the background, its response is read and discarded, and its failures are only counted. A copy never delays
/// or fails the primary beyond reading a small body once: bodies up to <see cref="MaxBody"/> bytes with a
/// Content-Length are buffered so both requests can send them; larger or unframed bodies are not mirrored. At most
/// <see cref="MaxInFlight"/> copies are in flight; more are dropped. Each copy is counted by route in
/// <see cref="ProxyMetrics.Mirror"/> as <c>sent</c> (answered, any status), <c>failed</c> (no endpoint, connect
/// failure, timeout) or <c>dropped</c> (body not mirrorable, or too many in flight).
/// </summary>
internal sealed class MirrorSender(TimeSpan connectTimeout, ProxyMetrics metrics) : IDisposable
{
    public const int MaxBody = 64 * 1024;
    public const int MaxInFlight = 256;
    private const string Sent = "sent", Failed = "failed", Dropped = "dropped";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly HttpMessageInvoker _invoker = new(UpstreamMessage.Handler(connectTimeout));
    private int _inFlight;

    /// <summary>Starts the copies of <paramref name="route"/>'s request to the sampled <paramref name="mirrors"/>.</summary>
    public async ValueTask StartAsync(HttpContext context, string route, IReadOnlyList<RequestMirror> mirrors, string? upstreamHost, IRandomSource random, long now)
    {
        List<RequestMirror>? chosen = null;
        foreach (var m in mirrors) if (m.Sampled(random)) (chosen ??= []).Add(m);
        if (chosen is null) return;
        var body = await BufferBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            foreach (var _ in chosen) metrics.Mirror(route, Dropped);
            return;
        }
        foreach (var mirror in chosen)
        {
            var backend = mirror.Backend;
            var endpoint = backend.Error is null ? backend.Balancer.Pick(backend.Endpoints, context, now, null) : null;
            if (endpoint is null)
            {
                metrics.Mirror(route, Failed);
                continue;
            }
            if (endpoint.Pool.Tls is not null || endpoint.Pool.ProxyProtocol != ProxyProtocol.ProxyProtocolVersion.None)
            {
                // Copies are sent in cleartext, and a BackendTLSPolicy endpoint must not get one; nor without the PROXY header an endpoint expects.
                metrics.Mirror(route, Dropped);
                continue;
            }
            if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
            {
                Interlocked.Decrement(ref _inFlight);
                metrics.Mirror(route, Dropped);
                continue;
            }
            var content = body.Length > 0 ? new ByteArrayContent(body) : null;
            var message = UpstreamMessage.Create(context, endpoint.Address, upstreamHost, backend.Protocol, content);
            endpoint.Begin();
            _ = Task.Run(async () =>
            {
                try
                {
                    metrics.Mirror(route, await SendAsync(message).ConfigureAwait(false) ? Sent : Failed);
                }
                finally
                {
                    endpoint.End();
                    Interlocked.Decrement(ref _inFlight);
                }
            });
        }
    }

    /// <summary>The body to copy (empty when there is none); null when it cannot be mirrored.</summary>
    private static async ValueTask<byte[]?> BufferBodyAsync(HttpContext context)
    {
        if (!UpstreamMessage.HasBody(context)) return [];
        var request = context.Request;
        if (request.ContentLength is not { } length || length > MaxBody) return null;
        request.EnableBuffering(MaxBody);
        var body = new byte[length];
        try
        {
            await request.Body.ReadExactlyAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
        {
            return null; // the primary request meets the same broken body and reports it
        }
        finally
        {
            request.Body.Position = 0;
        }
        return body;
    }

    /// <summary>True when the copy got an answer, whatever its status.</summary>
    private async Task<bool> SendAsync(HttpRequestMessage message)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            using var response = await _invoker.SendAsync(message, timeout.Token).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            message.Dispose();
        }
    }

    public void Dispose() => _invoker.Dispose();
}
