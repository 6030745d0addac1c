using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// Forwards to endpoints that speak HTTP/2 in cleartext (Service port <c>appProtocol</c> <c>kubernetes.io/h2c</c>,
/// <c>h2c</c> or <c>grpc</c>). The HTTP/2 framing, multiplexing and flow control are SocketsHttpHandler's
/// (HTTP/2 with prior knowledge, <see cref="HttpVersionPolicy.RequestVersionExact"/>); this class maps the
/// downstream request onto it and back: headers without hop-by-hop fields (<c>TE: trailers</c> is kept, gRPC needs
/// it), the body streamed both ways as it arrives (gRPC streaming), and response trailers (<c>grpc-status</c>)
/// passed to the client. Connections are pooled per endpoint by the handler.
/// <para>
/// An endpoint under a BackendTLSPolicy gets HTTP/2 over TLS (<c>:scheme https</c>): a handler of its own per TLS
/// setting, whose connect callback makes the TCP connection and the TLS handshake (ALPN <c>h2</c>, the policy's SNI
/// name and certificate checks) and hands the handler the authenticated stream, which it then uses as is.
/// </para>
/// </summary>
internal sealed class Http2Forwarder : IUpstreamForwarder, IDisposable
{
    private readonly TimeSpan _connectTimeout;
    private readonly HttpMessageInvoker _invoker;
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _tlsInvokers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(ProxyProtocolVersion, string?), HttpMessageInvoker> _proxyProtocolInvokers = new();

    public Http2Forwarder(TimeSpan connectTimeout)
    {
        _connectTimeout = connectTimeout;
        _invoker = new HttpMessageInvoker(UpstreamMessage.Handler(connectTimeout));
    }

    public async ValueTask<ForwardResult> ForwardAsync(HttpContext context, EndpointState endpoint, ForwardPlan plan, CancellationToken cancellationToken)
    {
        var body = plan.RequestHasBody ? new RequestBodyContent(context.Request.BodyReader) : null;
        using var request = UpstreamMessage.Create(context, endpoint.Address, plan.UpstreamHost, UpstreamProtocol.H2c, body); // disposed after the finally below
        try
        {
            return await SendAsync(context, endpoint, plan, request, body, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (body is not null) await body.StopAsync().ConfigureAwait(false); // never read the client's body after the request ends
        }
    }

    private async ValueTask<ForwardResult> SendAsync(HttpContext context, EndpointState endpoint, ForwardPlan plan, HttpRequestMessage request, RequestBodyContent? body, CancellationToken cancellationToken)
    {
        var invoker = _invoker;
        if (endpoint.Pool.ProxyProtocol != ProxyProtocolVersion.None)
        {
            invoker = ClientBoundInvoker(context, endpoint, request);
        }
        else if (endpoint.Pool.Tls is { } tls)
        {
            invoker = _tlsInvokers.GetOrAdd(tls.Key, static (_, s) => s.Self.TlsInvoker(s.Tls), (Self: this, Tls: tls));
            request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = Uri.UriSchemeHttps }.Uri; // :scheme https; the callback's stream is already TLS
        }
        HttpResponseMessage response;
        try
        {
            response = await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return context.RequestAborted.IsCancellationRequested ? new(ForwardOutcome.ClientAborted, 0) : new(ForwardOutcome.TimedOut, 0, "upstream");
        }
        catch (Exception) when (body?.ClientError is { } clientError)
        {
            // The client's body broke, not the upstream: answered as the HTTP/1.1 forwarder answers it, not counted against the endpoint.
            return clientError is BadHttpRequestException bad && !context.RequestAborted.IsCancellationRequested
                ? new(ForwardOutcome.BadRequestBody, bad.StatusCode, bad.Message)
                : new(ForwardOutcome.ClientAborted, 0, clientError.Message);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return new(ForwardOutcome.ConnectFailed, 0, e.InnerException switch
            {
                SocketException s => s.SocketErrorCode.ToString(),
                AuthenticationException a => $"TLS handshake with {endpoint.Name} failed: {a.Message}",
                _ => e.Message,
            });
        }
        catch (OperationCanceledException e)
        {
            return new(ForwardOutcome.ConnectFailed, 0, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new(ForwardOutcome.ResetBeforeResponse, 0, e.Message);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (plan.RetryOnStatus is { } retryOn && retryOn(status)) return new(ForwardOutcome.RetryableStatus, status);
            CopyResponseHead(context, response, plan);
            try
            {
                await CopyBodyAsync(context, response, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                context.Abort();
                return context.RequestAborted.IsCancellationRequested ? new(ForwardOutcome.ClientAborted, status) : new(ForwardOutcome.TimedOut, status, "upstream");
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                context.Abort();
                return new(ForwardOutcome.ResponseAborted, status, e.Message);
            }
            CopyTrailers(context, response);
            return ForwardResult.Ok(status);
        }
    }

    private static void CopyResponseHead(HttpContext context, HttpResponseMessage upstream, ForwardPlan plan)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        var headers = response.Headers;
        CopyHeaders(upstream.Headers, headers, upstream.Headers.Connection);
        CopyHeaders(upstream.Content.Headers, headers, upstream.Headers.Connection);
        if (upstream.Content.Headers.ContentLength is { } length) response.ContentLength = length;
        plan.ResponseEdits?.Apply(headers);
    }

    private static void CopyHeaders(HttpHeaders from, IHeaderDictionary to, HttpHeaderValueCollection<string> connection)
    {
        foreach (var (name, values) in from.NonValidated)
        {
            // Content-Length is set once, through HttpResponse.ContentLength.
            if (HopByHop.Is(name) || connection.Contains(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values) to.Append(name, value);
        }
    }

    private static async Task CopyBodyAsync(HttpContext context, HttpResponseMessage upstream, CancellationToken cancellationToken)
    {
        if (HttpMethods.IsHead(context.Request.Method)) return;
        var source = await upstream.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var writer = context.Response.BodyWriter;
            while (true)
            {
                // Flush after every read: gRPC server streaming needs each message delivered as it arrives.
                var memory = writer.GetMemory(16 * 1024);
                var read = await source.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                writer.Advance(read);
                var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCanceled || flushed.IsCompleted) throw new IOException("client went away");
            }
        }
    }

    private static void CopyTrailers(HttpContext context, HttpResponseMessage upstream)
    {
        if (upstream.TrailingHeaders is not { } trailers || !context.Response.SupportsTrailers()) return;
        foreach (var (name, values) in trailers.NonValidated)
        {
            foreach (var value in values) context.Response.AppendTrailer(name, value);
        }
    }

    /// <summary>Handlers kept for TLS settings (one per setting in use).</summary>
    internal int TlsHandlers => _tlsInvokers.Count;

    /// <summary>
    /// Forgets the handlers of TLS settings no endpoint uses any more (a rotated CA, a deleted policy). Each is disposed
    /// after <paramref name="grace"/>, so that requests and gRPC streams still running on it can finish.
    /// </summary>
    public void Retain(IReadOnlySet<string> liveTlsKeys, TimeSpan grace, TimeProvider time)
    {
        _tlsInvokers.RetireUnless(liveTlsKeys.Contains, static invoker => invoker, grace, time);
        _proxyProtocolInvokers.RetireUnless(key => key.Item2 is null || liveTlsKeys.Contains(key.Item2), static invoker => invoker, grace, time);
    }

    /// <summary>What the connect callback of a PROXY protocol handler needs: where to connect, and the header to send first.</summary>
    private static readonly HttpRequestOptionsKey<(IPEndPoint Endpoint, byte[] Header)> ProxyTarget = new("switchyard.proxy-protocol");

    /// <summary>
    /// An endpoint reached with the PROXY protocol: a multiplexed HTTP/2 connection must carry one client's header, so
    /// each client connection gets connections of its own. The handler (one per TLS setting and version) pools
    /// connections by the request URI's authority, which is made unique to the client connection and the endpoint
    /// (<c>c-ID.e-ADDRESS.proxy-protocol.invalid</c>, the endpoint's address bytes in hex; endpoints of one port differ
    /// in it, so a connection dialled to one never carries another's requests; never resolved: the connect callback
    /// dials the endpoint of the request that opened the connection); the Host header,
    /// set explicitly, is the <c>:authority</c> sent. Connections close 60 s after their last stream, as others do.
    /// </summary>
    private HttpMessageInvoker ClientBoundInvoker(HttpContext context, EndpointState endpoint, HttpRequestMessage request)
    {
        var pool = endpoint.Pool;
        var invoker = _proxyProtocolInvokers.GetOrAdd((pool.ProxyProtocol, pool.Tls?.Key), static (_, s) => s.Self.ProxyProtocolInvoker(s.Tls), (Self: this, pool.Tls));
        request.Options.Set(ProxyTarget, (endpoint.Address, ClientBoundConnections.Header(context, pool)));
        var label = new string([.. context.Connection.Id.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        request.RequestUri = new UriBuilder(request.RequestUri!)
        {
            Scheme = pool.Tls is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps,
            Host = $"c-{label}.e-{Convert.ToHexStringLower(endpoint.Address.Address.GetAddressBytes())}.proxy-protocol.invalid",
            Port = endpoint.Address.Port,
        }.Uri;
        return invoker;
    }

    private HttpMessageInvoker ProxyProtocolInvoker(UpstreamTls? tls)
    {
        var handler = UpstreamMessage.Handler(_connectTimeout);
        handler.ConnectCallback = (connection, cancellationToken) =>
            connection.InitialRequestMessage.Options.TryGetValue(ProxyTarget, out var target)
                ? UpstreamConnect.OpenAsync(target.Endpoint, _ => target.Header, tls, SslApplicationProtocol.Http2, cancellationToken)
                : throw new InvalidOperationException("no PROXY protocol target on the request");
        return new HttpMessageInvoker(handler);
    }

    private HttpMessageInvoker TlsInvoker(UpstreamTls tls) => new(tls.Connecting(UpstreamMessage.Handler(_connectTimeout), SslApplicationProtocol.Http2));

    public void Dispose()
    {
        _invoker.Dispose();
        foreach (var invoker in _tlsInvokers.Values) invoker.Dispose();
        foreach (var invoker in _proxyProtocolInvokers.Values) invoker.Dispose();
    }
}
