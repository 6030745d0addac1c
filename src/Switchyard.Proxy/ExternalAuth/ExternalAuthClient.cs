using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Routing;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// The ExternalAuth layer (Gateway API HTTPExternalAuthFilter; protocol HTTP here, GRPC in ExternalAuthClient.Grpc.cs), between a rule's match (and its CORS
/// preflights) and its other filters: for each of the rule's ExternalAuth filters in turn, asks the authorization
/// service about the request as the client sent it. A 200 lets the request go on, carrying the answer's allowed
/// headers; any other answer is sent to the client in place of the backend's. It fails closed, the request never
/// forwarded: an unresolved service reference is answered 500, no endpoint or a failed connection or exchange 503,
/// no answer within <see cref="Timeout"/> (or the rule's shorter timeouts.request) 504, each with
/// <c>x-switchyard-error</c> naming the route and the service. A refused connection is tried once more on another
/// endpoint. Counted by route in <see cref="ProxyMetrics.ExternalAuth"/> as allowed, denied or failed.
/// <para>
/// One SocketsHttpHandler serves every authorization service in cleartext, pooling connections per endpoint; an
/// endpoint under a BackendTLSPolicy gets TLS through a handler of its own per TLS setting, as the HTTP/2 forwarder does.
/// </para>
/// </summary>
internal sealed partial class ExternalAuthClient : IDisposable
{
    private const string Allowed = "allowed", Denied = "denied", Failed = "failed";
    private readonly TimeSpan _connectTimeout;
    private readonly HttpMessageInvoker _invoker;
    private readonly ConcurrentDictionary<(string Key, UpstreamProtocol Protocol), HttpMessageInvoker> _tlsInvokers = new();
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;

    public ExternalAuthClient(TimeSpan connectTimeout, TimeSpan timeout, ProxyMetrics metrics, TimeProvider time)
    {
        _connectTimeout = connectTimeout;
        _invoker = new HttpMessageInvoker(UpstreamMessage.Handler(connectTimeout));
        Timeout = timeout;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>How long one authorization exchange (request, answer and the answer's body) may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// Runs the rule's ExternalAuth filters in order; null when every service allowed the request (their headers are
    /// then on it), else the error for the access log: the client has been answered, or has gone away.
    /// </summary>
    /// <param name="client">The address appended to X-Forwarded-For: the connection's peer, as for the backend (not a client taken from X-Forwarded-For); null when unknown.</param>
    /// <param name="scheme">The listener's scheme for X-Forwarded-Proto.</param>
    public async ValueTask<string?> AuthorizeAsync(HttpContext context, RouteRule rule, IReadOnlyList<ExternalAuthFilter> filters, string? client, string scheme)
    {
        var limit = rule.RequestTimeout is { } requestTimeout && requestTimeout < Timeout ? requestTimeout : Timeout;
        var started = _time.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(limit);
        ReadOnlyMemory<byte> body = default;
        var maxBody = 0;
        foreach (var f in filters) maxBody = Math.Max(maxBody, f.MaxBody);
        if (maxBody > 0)
        {
            try
            {
                body = await ReadBodyPrefixAsync(context, maxBody, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return "client went away";
            }
            catch (OperationCanceledException)
            {
                return await FailAsync(context, rule, filters[0], 408, $"the request body did not arrive within {Seconds(limit)}").ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or BadHttpRequestException)
            {
                return await FailAsync(context, rule, filters[0], 400, $"reading the request body: {e.Message}").ConfigureAwait(false);
            }
        }
        foreach (var filter in filters)
        {
            var refused = filter.Protocol == ExternalAuthProtocol.Grpc
                ? await CheckGrpcAsync(context, rule, filter, body, client, scheme, limit, started, deadline.Token).ConfigureAwait(false)
                : await CheckAsync(context, rule, filter, body, client, scheme, limit, deadline.Token).ConfigureAwait(false);
            if (refused is not null) return refused;
        }
        return null;
    }

    /// <summary>
    /// Reads up to one byte more than <paramref name="max"/> (to tell a longer body from one of exactly max bytes) and
    /// puts what it read back in front of the body for the backend.
    /// </summary>
    private static async ValueTask<ReadOnlyMemory<byte>> ReadBodyPrefixAsync(HttpContext context, int max, CancellationToken cancellationToken)
    {
        if (!UpstreamMessage.HasBody(context)) return default;
        var request = context.Request;
        var want = request.ContentLength is { } length ? (int)Math.Min(length, max + 1L) : max + 1;
        var buffer = new byte[want];
        var read = 0;
        var original = request.Body;
        try
        {
            while (read < want)
            {
                var n = await original.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                read += n;
            }
        }
        finally
        {
            if (read > 0) request.Body = new ReplayedBody(buffer.AsMemory(0, read), original);
        }
        return buffer.AsMemory(0, read);
    }

    private async ValueTask<string?> CheckAsync(
        HttpContext context, RouteRule rule, ExternalAuthFilter filter, ReadOnlyMemory<byte> body, string? client, string scheme, TimeSpan limit, CancellationToken deadline)
    {
        var backend = filter.Backend;
        if (backend.Error is not null) return await FailAsync(context, rule, filter, 500, backend.Error).ConfigureAwait(false);
        EndpointState? refused = null;
        while (true)
        {
            var endpoint = backend.Balancer.Pick(backend.Endpoints, context, _time.GetTimestamp(), refused);
            if (endpoint is null || endpoint == refused)
            {
                return await FailAsync(context, rule, filter, 503, refused is null ? "no ready endpoints" : $"endpoint {refused.Name}: connect failed and no other endpoint is ready").ConfigureAwait(false);
            }
            var tls = endpoint.Pool.Tls;
            using var message = AuthRequest.Create(context, filter, endpoint.Address, tls is not null, backend.Protocol, body, client, scheme);
            endpoint.Begin();
            try
            {
                HttpResponseMessage answer;
                try
                {
                    answer = await Invoker(tls, backend.Protocol).SendAsync(message, deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                {
                    return "client went away";
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    return await FailAsync(context, rule, filter, 504, $"endpoint {endpoint.Name}: no answer within {Seconds(limit)}").ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } or OperationCanceledException)
                {
                    // Nothing was sent: another endpoint may answer (once).
                    if (refused is null && backend.Endpoints.Length > 1)
                    {
                        refused = endpoint;
                        continue;
                    }
                    return await FailAsync(context, rule, filter, 503, $"endpoint {endpoint.Name}: connect failed ({Reason(e)})").ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    return await FailAsync(context, rule, filter, 503, $"endpoint {endpoint.Name}: no answer ({Reason(e)})").ConfigureAwait(false);
                }
                using (answer)
                {
                    return await ApplyAsync(context, rule, filter, endpoint, answer, limit, deadline).ConfigureAwait(false);
                }
            }
            finally
            {
                endpoint.End();
            }
        }
    }

    /// <summary>Lets the request through with the answer's headers (200), or sends the answer to the client.</summary>
    private async ValueTask<string?> ApplyAsync(
        HttpContext context, RouteRule rule, ExternalAuthFilter filter, EndpointState endpoint, HttpResponseMessage answer, TimeSpan limit, CancellationToken deadline)
    {
        var status = (int)answer.StatusCode;
        if (status == StatusCodes.Status200OK)
        {
            try
            {
                // Read to the end so that the connection goes back to the pool.
                await answer.Content.CopyToAsync(Stream.Null, deadline).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                // The verdict came with the head; a body that breaks off costs only the connection.
            }
            AuthAnswer.CopyAllowed(context.Request.Headers, answer, filter);
            _metrics.ExternalAuth(rule.Name, Allowed);
            return null;
        }
        if (status < 200)
        {
            return await FailAsync(context, rule, filter, 502, $"endpoint {endpoint.Name}: answered {status}, which is no verdict").ConfigureAwait(false);
        }
        _metrics.ExternalAuth(rule.Name, Denied);
        var denied = $"route {rule.Name}: external auth {filter.Name}: denied ({status})";
        AuthAnswer.StartDenial(context, answer);
        if (HttpMethods.IsHead(context.Request.Method)) return denied;
        try
        {
            await answer.Content.CopyToAsync(context.Response.Body, deadline).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // Status and headers may be on their way: the client must not take a cut-off body for a whole one.
            context.Abort();
            return context.RequestAborted.IsCancellationRequested ? "client went away"
                : $"{denied}; its body broke off ({(deadline.IsCancellationRequested ? $"not read within {Seconds(limit)}" : Reason(e))})";
        }
        return denied;
    }

    /// <summary>The proxy's own error answer (fail closed), counted as failed.</summary>
    private async ValueTask<string> FailAsync(HttpContext context, RouteRule rule, ExternalAuthFilter filter, int status, string what)
    {
        _metrics.ExternalAuth(rule.Name, Failed);
        var error = $"route {rule.Name}: external auth {filter.Name}: {what}";
        await RequestHandler.AnswerCall(context, status, error).ConfigureAwait(false);
        return error;
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s";

    private static string Reason(Exception e) => e switch
    {
        HttpRequestException { InnerException: SocketException s } => s.SocketErrorCode.ToString(),
        HttpRequestException { InnerException: AuthenticationException a } => $"TLS handshake failed: {a.Message}",
        _ => e.Message,
    };

    private HttpMessageInvoker Invoker(UpstreamTls? tls, UpstreamProtocol protocol) =>
        tls is null ? _invoker : _tlsInvokers.GetOrAdd((tls.Key, protocol), static (_, s) => s.Self.TlsInvoker(s.Tls, s.Protocol), (Self: this, Tls: tls, Protocol: protocol));

    private HttpMessageInvoker TlsInvoker(UpstreamTls tls, UpstreamProtocol protocol) =>
        new(tls.Connecting(UpstreamMessage.Handler(_connectTimeout), protocol == UpstreamProtocol.H2c ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11));

    /// <summary>
    /// Forgets the gRPC channels of endpoints that left and the handlers of TLS settings no endpoint uses any more (a
    /// rotated CA, a deleted policy), each disposed after <paramref name="grace"/> so that exchanges still running on
    /// it can finish.
    /// </summary>
    public void Retain(IReadOnlySet<EndpointKey> liveEndpoints, IReadOnlySet<string> liveTlsKeys, TimeSpan grace)
    {
        RetainGrpc(liveEndpoints, grace);
        _tlsInvokers.RetireUnless(key => liveTlsKeys.Contains(key.Key), static invoker => invoker, grace, _time);
    }

    public void Dispose()
    {
        foreach (var kept in _grpc.Values) kept.Channel.Dispose();
        _invoker.Dispose();
        foreach (var invoker in _tlsInvokers.Values) invoker.Dispose();
    }
}
