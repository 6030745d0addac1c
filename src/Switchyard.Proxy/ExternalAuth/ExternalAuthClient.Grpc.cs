using System.Collections.Concurrent;
using System.Net;
using Envoy.Service.Auth.V3;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Routing;
using AuthorizationClient = Envoy.Service.Auth.V3.Authorization.AuthorizationClient;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// Protocol GRPC: <c>envoy.service.auth.v3.Authorization/Check</c> (Envoy's ext_authz gRPC API) on the endpoint the
/// service's load balancing picks, over HTTP/2 (h2c, or TLS with ALPN h2 under a BackendTLSPolicy). One GrpcChannel
/// per endpoint and TLS setting, kept while the endpoint is live, on the same invokers (connection pools, TLS
/// handlers) as the HTTP protocol. Each call carries the time left of the limit as its deadline (<c>grpc-timeout</c>).
/// The failures map as the HTTP protocol's: a refused connection 503 (tried once more on another endpoint), a call that
/// broke 503, no answer in time 504 (the proxy's limit or the call's deadline, whichever ends it); a gRPC status from
/// the service (Unimplemented, Internal, ...) or an answer that can not be applied 502.
/// </summary>
internal sealed partial class ExternalAuthClient
{
    private readonly ConcurrentDictionary<(IPEndPoint Address, string? Tls), GrpcEndpoint> _grpc = new();

    /// <summary>How many channels are kept (one per endpoint and TLS setting asked since it became live).</summary>
    internal int GrpcChannels => _grpc.Count;

    /// <summary>A kept channel to one endpoint, and the client on it.</summary>
    private sealed record GrpcEndpoint(GrpcChannel Channel, AuthorizationClient Client);

    private async ValueTask<string?> CheckGrpcAsync(
        HttpContext context, RouteRule rule, ExternalAuthFilter filter, ReadOnlyMemory<byte> body, string? client, string scheme, TimeSpan limit, long started, CancellationToken deadline)
    {
        var backend = filter.Backend;
        if (backend.Error is not null) return await FailAsync(context, rule, filter, 500, backend.Error).ConfigureAwait(false);
        var check = GrpcAuthRequest.Create(context, filter, body, client, scheme, _time.GetUtcNow());
        EndpointState? refused = null;
        while (true)
        {
            var endpoint = backend.Balancer.Pick(backend.Endpoints, context, _time.GetTimestamp(), refused);
            if (endpoint is null || endpoint == refused)
            {
                return await FailAsync(context, rule, filter, 503, refused is null ? "no ready endpoints" : $"endpoint {refused.Name}: connect failed and no other endpoint is ready").ConfigureAwait(false);
            }
            endpoint.Begin();
            try
            {
                CheckResponse answer;
                try
                {
                    answer = await Grpc(endpoint).Client.CheckAsync(check, CallOptions(limit, started, deadline)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                {
                    return "client went away";
                }
                catch (Exception e) when (e is RpcException { StatusCode: StatusCode.DeadlineExceeded }
                    || (deadline.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled }))
                {
                    return await FailAsync(context, rule, filter, 504, $"endpoint {endpoint.Name}: no answer within {Seconds(limit)}").ConfigureAwait(false);
                }
                catch (RpcException e) when (e.Status.DebugException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } connect)
                {
                    // Nothing was sent: another endpoint may answer (once).
                    if (refused is null && backend.Endpoints.Length > 1)
                    {
                        refused = endpoint;
                        continue;
                    }
                    return await FailAsync(context, rule, filter, 503, $"endpoint {endpoint.Name}: connect failed ({Reason(connect)})").ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Unavailable } or RpcException { Status.DebugException: HttpRequestException or IOException })
                {
                    // A call that broke, or was cancelled under it (its channel disposed).
                    var why = e is RpcException { Status: var status } ? status.DebugException is { } cause ? Reason(cause) : status.Detail : e.Message;
                    return await FailAsync(context, rule, filter, 503, $"endpoint {endpoint.Name}: no answer ({why})").ConfigureAwait(false);
                }
                catch (RpcException e)
                {
                    return await FailAsync(context, rule, filter, 502, $"endpoint {endpoint.Name}: answered gRPC status {e.StatusCode} ({e.Status.Detail}), which is no verdict").ConfigureAwait(false);
                }
                return await ApplyGrpcAsync(context, rule, filter, endpoint, answer, limit, deadline).ConfigureAwait(false);
            }
            finally
            {
                endpoint.End();
            }
        }
    }

    /// <summary>
    /// The call's deadline: what is left of <paramref name="limit"/> since <paramref name="started"/> (reading the body
    /// and the rule's earlier filters used the rest). Grpc.Net.Client sends it as the <c>grpc-timeout</c> header, so the
    /// service can give up when the proxy will (the timeout Envoy sends too), and ends the call at it as the proxy's own
    /// <paramref name="deadline"/> does. It measures a deadline on the system clock, not on an injected one, so the time
    /// left is added to that clock's now.
    /// </summary>
    private CallOptions CallOptions(TimeSpan limit, long started, CancellationToken deadline)
    {
        var left = limit - _time.GetElapsedTime(started);
        return new CallOptions(deadline: DateTime.UtcNow + (left > TimeSpan.Zero ? left : TimeSpan.Zero), cancellationToken: deadline);
    }

    /// <summary>Lets the request through with the answer's header changes (status code 0), or sends the refusal to the client.</summary>
    private async ValueTask<string?> ApplyGrpcAsync(
        HttpContext context, RouteRule rule, ExternalAuthFilter filter, EndpointState endpoint, CheckResponse answer, TimeSpan limit, CancellationToken deadline)
    {
        // No status is code 0: proto3 can not tell them apart, and Envoy allows both.
        var code = answer.Status?.Code ?? 0;
        if (GrpcAuthAnswer.Invalid(answer, code == 0) is { } invalid)
        {
            return await FailAsync(context, rule, filter, 502, $"endpoint {endpoint.Name}: {invalid}").ConfigureAwait(false);
        }
        if (code == 0)
        {
            GrpcAuthAnswer.ApplyAllowed(context, answer);
            _metrics.ExternalAuth(rule.Name, Allowed);
            return null;
        }
        // error_response: the service failed and says what the client gets; counted as failed, not denied.
        var error = GrpcAuthAnswer.IsError(answer);
        _metrics.ExternalAuth(rule.Name, error ? Failed : Denied);
        var denied = error
            ? $"route {rule.Name}: external auth {filter.Name}: endpoint {endpoint.Name}: answered an error ({GrpcAuthAnswer.RefusedStatus(answer)}, gRPC status {code})"
            : $"route {rule.Name}: external auth {filter.Name}: denied ({GrpcAuthAnswer.RefusedStatus(answer)}, gRPC status {code})";
        try
        {
            await GrpcAuthAnswer.SendRefusalAsync(context, answer, deadline).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            context.Abort();
            return context.RequestAborted.IsCancellationRequested ? "client went away"
                : $"{denied}; its body was not sent ({(deadline.IsCancellationRequested ? $"not within {Seconds(limit)}" : e.Message)})";
        }
        return denied;
    }

    /// <summary>The kept channel to <paramref name="endpoint"/> (HTTP/2: ALPN h2 under TLS, prior knowledge without).</summary>
    private GrpcEndpoint Grpc(EndpointState endpoint)
    {
        var tls = endpoint.Pool.Tls;
        // Two first checks at once may both make one; the one not kept holds nothing (the invokers own the connections).
        return _grpc.GetOrAdd((endpoint.Address, tls?.Key), static (key, s) =>
        {
            var channel = GrpcChannel.ForAddress($"{(s.Tls is null ? "http" : "https")}://{key.Address}", new GrpcChannelOptions
            {
                HttpHandler = new InvokerHandler(s.Self.Invoker(s.Tls, UpstreamProtocol.H2c)),
                DisposeHttpClient = true, // the InvokerHandler only: the invoker is the client's
                HttpVersion = HttpVersion.Version20,
                HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
                ThrowOperationCanceledOnCancellation = true,
                MaxRetryAttempts = null, // no retries, so no buffering for them: a refused connection is tried again above
            });
            return new GrpcEndpoint(channel, new AuthorizationClient(channel));
        }, (Self: this, Tls: tls));
    }

    /// <summary>
    /// Forgets the channels to endpoints no longer live (with their TLS setting), each disposed after
    /// <paramref name="grace"/> so that checks still running on it can finish.
    /// </summary>
    private void RetainGrpc(IReadOnlySet<EndpointKey> liveEndpoints, TimeSpan grace)
    {
        if (_grpc.IsEmpty) return;
        var live = liveEndpoints.Select(e => (e.Address, e.Tls)).ToHashSet();
        _grpc.RetireUnless(live.Contains, static kept => kept.Channel, grace, _time);
    }
}
