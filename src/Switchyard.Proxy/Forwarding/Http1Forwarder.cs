using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.ProxyProtocol;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The purpose-built forwarder (chosen by measurement, docs/decisions/0006-proxy-forwarder.md): writes the request
/// head straight into a pooled HTTP/1.1 keep-alive connection, parses the response head from a pipe, and copies
/// the body with its original framing. A reused connection that turns out to be closed is replaced once,
/// transparently, when nothing but a bodyless request was sent.
/// </summary>
internal sealed class Http1Forwarder : IUpstreamForwarder
{
    /// <summary>It writes them into the head it builds (<see cref="ForwardingFields.WriteTo"/>).</summary>
    public bool WritesForwardingFields => true;

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))] // completes asynchronously on every request: reuse its state machine box
    public async ValueTask<ForwardResult> ForwardAsync(HttpContext context, EndpointState endpoint, ForwardPlan plan, CancellationToken cancellationToken)
    {
        var upgrade = UpgradeOf(context); // an extended CONNECT here is WebSocket's: RequestFraming refused the others
        var bodyMode = upgrade.ExtendedConnect is not null || !plan.RequestHasBody ? BodyMode.None
            : context.Request.ContentLength is not null ? BodyMode.ContentLength : BodyMode.Chunked;
        using var head = BuildRequestHead(context, plan, bodyMode, upgrade);
        var pool = endpoint.Pool;
        var clientBound = pool.ProxyProtocol != ProxyProtocolVersion.None; // each connection starts with this client's PROXY header
        for (var attempt = 0; ; attempt++)
        {
            var connection = attempt > 0 ? null : clientBound ? ClientBoundConnections.TryRent(context, pool) : pool.TryRentIdle();
            var reused = connection is not null;
            if (connection is null)
            {
                try
                {
                    connection = clientBound
                        ? await pool.ConnectAsync(cancellationToken, ClientBoundConnections.Header(context, pool)).ConfigureAwait(false)
                        : await pool.ConnectAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return context.RequestAborted.IsCancellationRequested ? new(ForwardOutcome.ClientAborted, 0) : new(ForwardOutcome.TimedOut, 0, "connect");
                }
                catch (OperationCanceledException)
                {
                    return new(ForwardOutcome.ConnectFailed, 0, "connect timeout");
                }
                catch (SocketException e)
                {
                    return new(ForwardOutcome.ConnectFailed, 0, e.SocketErrorCode.ToString());
                }
                catch (Exception e) when (e is AuthenticationException or IOException)
                {
                    return new(ForwardOutcome.ConnectFailed, 0, $"TLS handshake with {endpoint.Name} failed: {e.Message}");
                }
            }
            connection.Uses++;
            var head1 = connection.Head;
            head1.Reset();
            var returned = false;
            try
            {
                var sent = await SendRequestAsync(context, connection, head, bodyMode, cancellationToken).ConfigureAwait(false);
                if (sent.Outcome != ForwardOutcome.Success)
                {
                    if (sent.Outcome == ForwardOutcome.ResetBeforeResponse && reused && bodyMode == BodyMode.None) continue;
                    return sent;
                }
                var reader = connection.Reader;
                HeadRead read;
                do read = ParseHead(reader, head1, await reader.ReadAsync(cancellationToken).ConfigureAwait(false));
                while (read == HeadRead.NeedMore);
                if (read == HeadRead.Closed)
                {
                    if (reused && bodyMode == BodyMode.None) continue;
                    return new(ForwardOutcome.ResetBeforeResponse, 0, "upstream closed the connection before responding");
                }
                if (plan.RetryOnStatus is { } retryOn && retryOn(head1.Status)) return new(ForwardOutcome.RetryableStatus, head1.Status);
                var result = await CopyResponseAsync(context, connection, head1, plan, upgrade, cancellationToken).ConfigureAwait(false);
                // Bytes past the response's end are not the next request's answer: such a connection is not reused.
                if (result.Outcome == ForwardOutcome.Success && connection.Reusable && !head1.ConnectionClose && !head1.Http10 && connection.Reader.Buffered == 0)
                {
                    if (clientBound) ClientBoundConnections.Return(context, pool, connection);
                    else pool.Return(connection);
                    returned = true;
                }
                return result;
            }
            catch (InvalidDataException e)
            {
                return Failed(context, connection, ForwardOutcome.InvalidResponse, e.Message); // malformed: not retried, as a reset is
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return context.RequestAborted.IsCancellationRequested ? new(ForwardOutcome.ClientAborted, 0)
                    : Failed(context, connection, ForwardOutcome.TimedOut, context.Response.HasStarted ? "timed out in the middle of the response" : "upstream");
            }
            catch (Exception e) when (IsTransportError(e))
            {
                if (!context.Response.HasStarted && reused && bodyMode == BodyMode.None && head1.Status == 0) continue;
                return Failed(context, connection, ForwardOutcome.ResetBeforeResponse, e.Message);
            }
            finally
            {
                if (!returned) connection.Dispose();
            }
        }
    }

    internal enum BodyMode
    {
        None,
        ContentLength,
        Chunked,
    }

    /// <summary>
    /// A protocol switch the request asks for: an HTTP/1.1 upgrade to WebSocket, or a WebSocket over HTTP/2 (RFC 8441
    /// extended CONNECT), which the upstream gets as the HTTP/1.1 upgrade of RFC 6455 with a key of the proxy's own.
    /// Only WebSocket is proxied, as Envoy and nginx do by default: any other Upgrade (h2c above all, whose HTTP/2
    /// connection would carry requests no route, filter or access log sees) is dropped as the hop-by-hop field it is,
    /// and the request goes upstream as a plain one.
    /// </summary>
    private readonly record struct Upgrade(bool Requested, IHttpExtendedConnectFeature? ExtendedConnect, string? WebSocketKey);

    private static Upgrade UpgradeOf(HttpContext context)
    {
        // The method first: a feature lookup on every request would be work on the hot path for a rare case.
        if (HttpMethods.IsConnect(context.Request.Method) && context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } extended)
            return new(true, extended, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        var headers = context.Request.Headers;
        return new(headers.Upgrade.Count > 0 && HopByHop.ListedIn(headers.Connection, "upgrade") && HopByHop.ListedIn(headers.Upgrade, "websocket"), null, null);
    }

    /// <summary>RFC 6455 §4.2.2: the Sec-WebSocket-Accept that proves the server read <paramref name="key"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "RFC 6455 fixes SHA-1 for this handshake check; it protects nothing")]
    internal static string WebSocketAccept(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    private static HeadBuilder BuildRequestHead(HttpContext context, ForwardPlan plan, BodyMode bodyMode, Upgrade upgrade)
    {
        var request = context.Request;
        var b = new HeadBuilder(1024);
        b.Append(upgrade.ExtendedConnect is null ? request.Method : "GET");
        b.Append(" "u8);
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        b.Append(raw == "*" ? raw : UpstreamMessage.Target(request, raw)); // OPTIONS * stays asterisk-form
        b.Append(" HTTP/1.1\r\nHost: "u8);
        b.Append(plan.UpstreamHost ?? request.Headers.Host.ToString());
        b.Append("\r\n"u8);
        // The fields the client's Connection named are gone already (HopByHop.ConsumeConnectionOptions, on arrival).
        var inHead = plan.Forwarding.HasValue;
        var forwarding = plan.Forwarding.GetValueOrDefault();
        var client = new ForwardingFields.ClientFields();
        foreach (var (name, values) in request.Headers)
        {
            if (WrittenHere(name) || (inHead && forwarding.Take(name, values, ref client))) continue;
            foreach (var value in values) b.Header(name, value);
        }
        if (inHead) forwarding.WriteTo(ref b, client);
        if (bodyMode == BodyMode.ContentLength)
        {
            b.Append("Content-Length: "u8);
            b.Append(request.ContentLength!.Value);
            b.Append("\r\n"u8);
        }
        else if (bodyMode == BodyMode.Chunked) b.Append("Transfer-Encoding: chunked\r\n"u8);
        if (upgrade.WebSocketKey is { } key)
        {
            b.Append("Upgrade: websocket\r\nConnection: upgrade\r\n"u8);
            b.Header("Sec-WebSocket-Key", key);
        }
        else if (upgrade.Requested) b.Append("Upgrade: websocket\r\nConnection: upgrade\r\n"u8);
        b.Append("\r\n"u8);
        return b;
    }

    /// <summary>Request fields not copied to the upstream: hop-by-hop ones, and Host, Content-Length and Expect, which the forwarder writes itself (or not at all).</summary>
    private static bool WrittenHere(string name) => name.Length switch
    {
        4 => name.Equals("Host", StringComparison.OrdinalIgnoreCase),
        6 => name.Equals("Expect", StringComparison.OrdinalIgnoreCase),
        14 => name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || HopByHop.Is(name),
        _ => HopByHop.Is(name),
    };

    private static async ValueTask<ForwardResult> SendRequestAsync(HttpContext context, UpstreamConnection connection, HeadBuilder head, BodyMode bodyMode, CancellationToken cancellationToken)
    {
        if (bodyMode == BodyMode.None)
        {
            try
            {
                await connection.Stream.WriteAsync(head.Written, cancellationToken).ConfigureAwait(false);
                return ForwardResult.Ok(0);
            }
            catch (Exception e) when (IsTransportError(e))
            {
                return new(ForwardOutcome.ResetBeforeResponse, 0, e.Message);
            }
        }
        // With a body, the head and then each read of the body (framed as a chunk when its length is unknown) are written
        // together and flushed once: one socket write per read (per 4 KiB buffer segment for larger reads).
        var upstream = connection.Writer;
        upstream.Write(head.Written.Span);
        var body = context.Request.BodyReader;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e)
            {
                connection.Reusable = false;
                // Kestrel reports a client that hung up mid-body as an unexpected end of the body (400): that is a client gone.
                return context.RequestAborted.IsCancellationRequested ? new(ForwardOutcome.ClientAborted, 0, e.Message) : new(ForwardOutcome.BadRequestBody, e.StatusCode, e.Message);
            }
            catch (IOException e)
            {
                connection.Reusable = false;
                return new(ForwardOutcome.ClientAborted, 0, e.Message);
            }
            try
            {
                var length = read.Buffer.Length;
                if (length > 0)
                {
                    if (bodyMode == BodyMode.Chunked) ChunkedBody.WriteChunkHeader(upstream, length);
                    foreach (var segment in read.Buffer) upstream.Write(segment.Span);
                    if (bodyMode == BodyMode.Chunked) upstream.Write("\r\n"u8);
                }
                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted && bodyMode == BodyMode.Chunked) upstream.Write("0\r\n\r\n"u8);
                await upstream.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (read.IsCompleted) return ForwardResult.Ok(0);
            }
            catch (Exception e) when (IsTransportError(e))
            {
                return new(ForwardOutcome.ResetBeforeResponse, 0, e.Message);
            }
        }
    }

    /// <summary>A failure of the upstream connection itself (reset or closed).</summary>
    private static bool IsTransportError(Exception e) => e is IOException or SocketException;

    private enum HeadRead
    {
        Parsed,
        Closed,
        NeedMore,
    }

    /// <summary>
    /// Looks for one final (non-1xx, or 101) response head in what <paramref name="read"/> returned; an interim 1xx
    /// answer is skipped, and asks for more like an incomplete head. Read in the forwarder's own loop rather than an
    /// async method of its own: one state machine less suspended per response.
    /// </summary>
    private static HeadRead ParseHead(PipeReader reader, ResponseHead head, ReadResult read)
    {
        var buffer = read.Buffer;
        if (head.TryParse(buffer, out var end))
        {
            reader.AdvanceTo(end);
            return head.Status is >= 100 and < 200 and not 101 ? HeadRead.NeedMore : HeadRead.Parsed;
        }
        if (read.IsCompleted)
        {
            if (buffer.Length > 0) throw new IOException("upstream closed the connection inside a response head"); // a reset, not a malformed head
            reader.AdvanceTo(buffer.End);
            return HeadRead.Closed;
        }
        reader.AdvanceTo(buffer.Start, buffer.End);
        return HeadRead.NeedMore;
    }

    private static async ValueTask<ForwardResult> CopyResponseAsync(
        HttpContext context, UpstreamConnection connection, ResponseHead head, ForwardPlan plan, Upgrade upgrade, CancellationToken cancellationToken)
    {
        // A WebSocket over HTTP/2 is accepted with a 2xx only when the upstream switched protocols: a 2xx of its own means
        // it did not (RFC 8441 §5), and Kestrel would refuse to send a CONNECT's 2xx with a body anyway.
        if (upgrade.ExtendedConnect is not null && head.Status is >= 200 and < 300)
            return Aborted(context, connection, $"the upstream answered the WebSocket upgrade with {head.Status}, not 101");
        var response = context.Response;
        response.StatusCode = head.Status;
        var headers = response.Headers;
        var listed = head.ListedFields; // "keep-alive" alone names no field
        // Set, not appended, when nothing can be there to append to: appending looks the name up first (about 200
        // instructions a field). The proxy may have set fields already (a sticky cookie, CORS).
        var set = head.NamesUnique && headers.Count == 0;
        foreach (ref readonly var field in head.Fields)
        {
            if (field.Framing) continue; // the response is framed anew (Content-Length below, or Kestrel's chunking)
            var (name, value) = (field.Name, field.Value);
            // A 101 keeps Upgrade (it names the new protocol) although Connection lists it.
            var keep = head.Status == 101 && name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);
            if (!keep && (field.HopByHop || (listed is not null && HopByHop.ListedIn(listed, name)))) continue;
            if (set && value.Length > 0) headers[name] = value;
            else headers.Append(name, value); // appending drops an empty field, as it always did
        }
        plan.ResponseEdits?.Apply(headers);
        if (head.Status == 101)
        {
            connection.Reusable = false;
            if (!upgrade.Requested) return Aborted(context, connection, "the upstream switched protocols unasked (101)");
            // RFC 9110 §7.8: a server switches only to a protocol the client listed, and the client listed websocket.
            if (!HopByHop.ListedIn(headers.Upgrade, "websocket")) return Aborted(context, connection, $"the upstream switched to '{headers.Upgrade}', not websocket");
            if (upgrade.WebSocketKey is { } key)
            {
                // RFC 8441 §5: the HTTP/2 client is answered 200, with none of HTTP/1.1's upgrade fields.
                if (!headers.TryGetValue(HeaderNames.SecWebSocketAccept, out var accept) || accept.ToString() != WebSocketAccept(key))
                    return Aborted(context, connection, "the upstream's Sec-WebSocket-Accept does not answer the proxy's key");
                headers.Remove(HeaderNames.Upgrade);
                headers.Remove(HeaderNames.SecWebSocketAccept);
                response.StatusCode = StatusCodes.Status200OK;
            }
            return await TunnelAsync(context, connection, upgrade.ExtendedConnect, cancellationToken).ConfigureAwait(false);
        }
        var method = context.Request.Method;
        if (HttpMethods.IsHead(method) || head.Status is 204 or 304)
        {
            if (head.ContentLength is { } declared && HttpMethods.IsHead(method)) response.ContentLength = declared;
            return ForwardResult.Ok(head.Status);
        }
        var reader = connection.Reader;
        var writer = response.BodyWriter;
        if (head.ContentLength is { } length) response.ContentLength = length;
        // With no body byte here yet (an event stream, a long poll, an upstream that writes its head first), the head
        // goes out now: the client is not kept waiting for the first one. Otherwise it goes with the body, in one write.
        if (reader.Buffered == 0 && head.ContentLength is not 0 && (await writer.FlushAsync(cancellationToken).ConfigureAwait(false)).IsCanceled)
            return ClientGone(context, connection);
        if (head.ContentLength is { } declaredLength)
        {
            var remaining = declaredLength;
            while (remaining > 0)
            {
                var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = read.Buffer;
                if (buffer.IsEmpty && read.IsCompleted) return Aborted(context, connection, "upstream closed the connection before the end of the body");
                var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
                foreach (var segment in take)
                {
                    var flushed = await writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                    if (flushed.IsCanceled) return ClientGone(context, connection);
                }
                remaining -= take.Length;
                reader.AdvanceTo(take.End);
            }
            return ForwardResult.Ok(head.Status);
        }
        if (head.Chunked)
        {
            var ok = await ChunkedBody.CopyAsync(reader, writer, cancellationToken).ConfigureAwait(false);
            return ok ? ForwardResult.Ok(head.Status) : Aborted(context, connection, "upstream sent a malformed or truncated chunked body");
        }
        connection.Reusable = false;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var segment in read.Buffer) await writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted) break;
        }
        return ForwardResult.Ok(head.Status);
    }

    /// <summary>The upstream's response is malformed or cut short (<paramref name="detail"/> says how): see <see cref="Failed"/>; answered 502 when nothing reached the client.</summary>
    private static ForwardResult Aborted(HttpContext context, UpstreamConnection connection, string detail) =>
        Failed(context, connection, ForwardOutcome.InvalidResponse, detail);

    /// <summary>
    /// An attempt that failed. When part of its response has reached the client, the client connection is aborted, so
    /// that the client sees the response cut short rather than complete (a chunked one would otherwise end cleanly),
    /// and nothing is retried. Otherwise the fields copied from the upstream's head are dropped, so that an answer of
    /// the proxy's own or a retry starts from none of them, and <paramref name="outcome"/> says what happened.
    /// </summary>
    private static ForwardResult Failed(HttpContext context, UpstreamConnection connection, ForwardOutcome outcome, string detail)
    {
        connection.Reusable = false;
        if (context.Response.HasStarted)
        {
            context.Abort();
            return new(ForwardOutcome.ResponseAborted, context.Response.StatusCode, detail);
        }
        context.Response.Headers.Clear();
        context.Response.StatusCode = StatusCodes.Status200OK;
        return new(outcome, 0, detail);
    }

    private static ForwardResult ClientGone(HttpContext context, UpstreamConnection connection)
    {
        connection.Reusable = false;
        context.Abort();
        return new(ForwardOutcome.ClientAborted, context.Response.StatusCode, "client went away");
    }

    /// <summary>
    /// After a 101 answer, relays bytes both ways until either side closes (WebSocket and other upgrades): on the client's
    /// upgraded HTTP/1.1 connection, or on its accepted HTTP/2 stream (<paramref name="extendedConnect"/>).
    /// </summary>
    private static async ValueTask<ForwardResult> TunnelAsync(HttpContext context, UpstreamConnection connection, IHttpExtendedConnectFeature? extendedConnect, CancellationToken cancellationToken)
    {
        Stream downstream;
        if (extendedConnect is not null) downstream = await extendedConnect.AcceptAsync().ConfigureAwait(false);
        else
        {
            var upgradeFeature = context.Features.Get<IHttpUpgradeFeature>();
            if (upgradeFeature is not { IsUpgradableRequest: true }) return new(ForwardOutcome.ResetBeforeResponse, 101, "client connection cannot be upgraded");
            downstream = await upgradeFeature.UpgradeAsync().ConfigureAwait(false);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = Task.Run(async () =>
        {
            try
            {
                await downstream.CopyToAsync(connection.Stream, stop.Token).ConfigureAwait(false);
                await connection.ShutdownSendAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None);
        try
        {
            await connection.Reader.CopyToAsync(downstream, stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
        await stop.CancelAsync().ConfigureAwait(false);
        await up.ConfigureAwait(false);
        return ForwardResult.Ok(101);
    }
}
