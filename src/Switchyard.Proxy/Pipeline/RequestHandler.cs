using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Filters;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Listeners;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Resilience;
using Switchyard.Proxy.Routing;
using Switchyard.Proxy.Sessions;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Pipeline;

/// <summary>
/// The request path through the layers: listener → router (host, then matches in precedence order) → CORS preflights
/// → authentication (HTTPTrafficFilter jwt/basicAuth) → filters (headers, rewrite, redirect) → rate limit and faults → backend (weighted, or
/// the one a valid sessionPersistence session names) → load balancer (bypassed by that session) → endpoint (health) → connection pool
/// (forwarder), with timeouts and budgeted retries around the last three. Errors name their layer in the
/// <c>x-switchyard-error</c> response header and the access log. On a GRPCRoute rule the proxy's own errors are gRPC
/// trailers-only answers (HTTP 200 with a grpc-status); the metrics and the access log record the HTTP status sent.
/// </summary>
internal sealed class RequestHandler(ProxyRuntime runtime)
{
    public const string ErrorHeader = "x-switchyard-error";

    /// <summary>The status recorded (never sent) for a request whose client went away before its answer: nginx's 499.</summary>
    public const int StatusCodeClientClosed = 499;

    private const string TraceStateField = "tracestate";

    /// <param name="peer">
    /// The connection's peer address as text (the PROXY protocol header's source, if any): the address appended to
    /// X-Forwarded-For and Forwarded, as each proxy appends the one it received the request from; null when unknown.
    /// </param>
    /// <param name="client">
    /// The client's address as text for the access log: the peer, or on a listener that trusts the peer, the one
    /// X-Forwarded-For names (the request's remote address is then that one too); null when unknown.
    /// </param>
    /// <remarks>
    /// It suspends on every proxied request, and its state is large: a pooled box is reused, where a Task-returning
    /// method would allocate one per request (about 1,000 instructions, bench/proxy/instructions.sh). Kestrel's
    /// application returns a Task: <see cref="Listeners.ProxyApplication"/> wraps the pending ones, a small object.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    public async ValueTask HandleAsync(HttpContext context, ListenerConfig? listener, string? peer, string? client)
    {
        var start = runtime.Time.GetTimestamp();
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        string? routeName = null, backendName = null, endpointName = null, error = null;
        TraceParent? trace = null;
        RouteRule? rule = null;
        var retries = 0;
        try
        {
            if (listener is null)
            {
                error = "listener: not configured";
                await Answer(context, 404, error);
                return;
            }
            if (ClientCertificates.Misdirected(context, listener) is { } misdirected)
            {
                error = misdirected;
                await Answer(context, 421, error);
                return;
            }
            if (RequestFraming.Refusal(context) is { } refusal)
            {
                error = refusal.Reason;
                await Answer(context, refusal.Status, error);
                return;
            }
            HopByHop.ConsumeConnectionOptions(request.Headers); // before anything reads or sets a field the client's Connection may name
            var host = HostRouter.HostName(request);
            // A CORS preflight goes to the rule its Access-Control-Request-Method would reach, when that rule answers preflights.
            var entry = CorsPolicy.IsPreflight(request)
                ? PreflightEntry(listener, request, host, path) ?? listener.Router.Match(request, host, path)
                : listener.Router.Match(request, host, path);
            if (entry is null)
            {
                error = $"{listener.Name}: no route matches";
                await AnswerCall(context, 404, error); // a gRPC call: UNIMPLEMENTED
                return;
            }
            rule = entry.Rule;
            routeName = rule.Name;
            if (entry.ClientValidation is not null && ClientCertificates.Unvalidated(context, listener, entry) is { } unvalidated)
            {
                error = unvalidated;
                await Answer(context, 421, error);
                return;
            }
            if (rule.Cors is { } cors && cors.Handle(context)) return; // a CORS preflight, answered here
            // Authentication (JWT, Basic) first, then the authorization service sees only authenticated requests.
            if (rule.Traffic is { Authenticates: true } guarded && await AuthenticateAsync(context, rule, guarded).ConfigureAwait(false) is { } denied)
            {
                error = denied;
                return;
            }
            if (rule.ExternalAuth is { } auth)
            {
                // The authorization service may be sent x-forwarded-client-cert (allowedHeaders): the proxy's, never the client's.
                ClientCertificates.Forward(context, listener);
                if (await runtime.ExternalAuthClient.AuthorizeAsync(context, rule, auth, peer, listener.RequestScheme).ConfigureAwait(false) is { } authError)
                {
                    error = authError; // the authorization service's answer, or the proxy's (failing closed), went to the client
                    return;
                }
            }
            var edits = new RequestEdits();
            foreach (var filter in rule.RequestFilters) filter.Apply(context, entry, ref edits);
            if (rule.Redirect is { } redirect)
            {
                context.Response.StatusCode = redirect.StatusCode;
                context.Response.Headers.Location = redirect.Location(context, entry);
                return;
            }
            // timeouts.request covers the whole request, a fault delay included.
            using var requestTimeout = rule.RequestTimeout is not null ? CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted) : null;
            requestTimeout?.CancelAfter(rule.RequestTimeout!.Value);
            if (rule.Traffic is { } traffic && await AdmitAsync(context, rule, traffic, requestTimeout?.Token ?? context.RequestAborted).ConfigureAwait(false) is { } refused)
            {
                error = refused;
                return;
            }
            // sessionPersistence: a valid session goes to its backend and endpoint, whatever the weights say.
            SessionAttempt? session = null;
            if (rule.Session is { } persistence)
            {
                var pin = persistence.Find(request, runtime.Time.GetUtcNow(), runtime.Time.GetTimestamp(), out var lookup);
                runtime.Metrics.Session(rule.Name, lookup);
                session = new SessionAttempt(persistence, pin, entry.Path.CookiePath, listener.Https);
            }
            var backend = session?.Pin?.Backend ?? rule.Backends.Pick(runtime.Random);
            if (backend is null || backend.Error is not null)
            {
                backendName = backend?.Name;
                error = backend is null ? $"route {rule.Name}: no backends" : $"route {rule.Name}: backend {backend.Name}: {backend.Error}";
                // GRPCRoute: traffic meant for an invalid backendRef MUST get UNAVAILABLE; a 500 reads as UNKNOWN.
                if (SpeaksGrpc(context)) await AnswerGrpc(context, GrpcStatus.Unavailable, error);
                else await Answer(context, 500, error);
                return;
            }
            backendName = backend.Name;
            ClientCertificates.Forward(context, listener); // before the other edits: its removal is cheapest while the request has no fields Kestrel does not know (it may have run for an authorization service already: it sets the same)
            if (runtime.TraceContext)
            {
                trace = TraceParent.Next(request.Headers.TraceParent);
                if (trace.Value.Restarts) request.Headers.Remove(TraceStateField);
            }
            var forwarding = ForwardingFields.Of(request.Headers, peer, listener.RequestScheme, runtime.ForwardedHeader, trace);
            // (A backendRef's header filters may not touch these fields: GatewayCompiler refuses them.)
            var forwardingInHead = rule.Mirrors.Count == 0 && ForwarderOf(backend).WritesForwardingFields
                && !(backend.Balancer.HashedHeader is { } hashed && ForwardingFields.IsField(hashed));
            if (!forwardingInHead) forwarding.SetInto(request.Headers); // where the mirrors, the forwarder or the balancer read them
            if (rule.Mirrors.Count > 0) await runtime.Mirrors.StartAsync(context, rule.Name, rule.Mirrors, edits.UpstreamHost, runtime.Random, runtime.Time.GetTimestamp()).ConfigureAwait(false);
            backend.RequestEdits?.Apply(request.Headers); // after the mirrors copied the request: a backendRef's filters are its own
            var plan = new ForwardPlan(edits.UpstreamHost, UpstreamMessage.HasBody(context), RetryOnStatus: null, backend.ResponseEdits ?? rule.ResponseEdits,
                forwardingInHead ? forwarding : null);
            var outcome = await ForwardAsync(context, rule, backend, plan, requestTimeout, session).ConfigureAwait(false);
            endpointName = outcome.Endpoint;
            retries = outcome.Retries;
            error = outcome.Error;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away while the request waited (for a connection slot, a fault delay, a retry's back-off):
            // recorded as nginx's 499, never sent.
            error ??= "client went away";
            if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodeClientClosed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = $"proxy: internal error: {e.GetType().Name}: {e.Message}";
            if (context.Response.HasStarted) context.Abort();
            else await AnswerCall(context, 500, error);
        }
        finally
        {
            var status = context.Response.StatusCode;
            var seconds = runtime.Time.GetElapsedTime(start).TotalSeconds;
            Counters(rule, routeName, backendName).Request(status, seconds);
            runtime.AccessLog?.Write(new AccessLogEntry(
                runtime.Time.GetUtcNow(), request.Method, request.Headers.Host.ToString(), path, status, seconds * 1000, listener?.Name ?? "", routeName,
                backendName, endpointName, retries, error, trace?.TraceId ?? (runtime.TraceContext ? TraceParent.TraceIdOf(request.Headers.TraceParent) : null), client,
                Peer: string.Equals(client, peer, StringComparison.Ordinal) ? null : peer));
        }
    }

    /// <summary>The request counters of the route and backend a request reached, through the rule's cache of the last pair it counted.</summary>
    private ProxyMetrics.RouteBackend Counters(RouteRule? rule, string? routeName, string? backendName)
    {
        routeName ??= "";
        backendName ??= "";
        if (rule?.Metrics is { } cached && cached.Route == routeName && cached.Backend == backendName) return cached; // the same strings, mostly: compared by reference first
        var counters = runtime.Metrics.For(routeName, backendName);
        if (rule is not null) rule.Metrics = counters;
        return counters;
    }

    /// <summary>
    /// The rule a CORS preflight asks about: matched as the request it announces (its Access-Control-Request-Method),
    /// so a rule with a method match gets its preflights, even when a catch-all rule would take the OPTIONS request
    /// itself. Only a rule with a CORS filter answers; otherwise the preflight is routed as the OPTIONS request it is.
    /// </summary>
    private static RouteEntry? PreflightEntry(ListenerConfig listener, HttpRequest request, ReadOnlySpan<char> host, string path) =>
        request.Headers.AccessControlRequestMethod.ToString() is { Length: > 0 } asked
            && listener.Router.Match(request, host, path, asked) is { Rule.Cors: not null } entry
            ? entry
            : null;

    private readonly record struct Outcome(string? Endpoint, int Retries, string? Error);

    /// <summary>
    /// A request on a rule with sessionPersistence: the rule's sessions, the one the request carries (if valid), and its
    /// cookie's Path and Secure. A class, made only for such requests: as a nullable struct it took 88 bytes in the state
    /// of both methods that suspend on every proxied request, copied into their boxes each time (bench/proxy/cachesim.sh).
    /// </summary>
    private sealed record SessionAttempt(SessionPersistenceConfig Persistence, SessionPin? Pin, string CookiePath, bool Secure);

    /// <summary>
    /// Attempts and retries on <paramref name="backend"/>; <paramref name="requestTimeout"/> (timeouts.request) is already
    /// running. With <paramref name="session"/>, the first attempt goes to the pinned endpoint, retries are balanced
    /// (never back to the endpoint that failed) by the policy without its sticky cookie, and each attempt's response is
    /// stamped with the token naming its endpoint. <paramref name="plan"/> comes without the statuses held back for a retry:
    /// they are added here when the request may be retried.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))] // suspends on every proxied request: reuse its state machine box
    private async ValueTask<Outcome> ForwardAsync(HttpContext context, RouteRule rule, Backend backend, ForwardPlan plan, CancellationTokenSource? requestTimeout, SessionAttempt? session)
    {
        var balancer = session is null ? backend.Balancer : backend.Balancer.WithoutAffinity;
        var request = context.Request;
        var idempotent = RetryPolicy.IsIdempotent(request.Method) && !plan.RequestHasBody;
        var policy = rule.Retry;
        var retriesLeft = policy.Attempts;
        var retries = 0;
        var holdsToken = false;
        var breaker = backend.Breaker;
        if (idempotent && policy.Codes.Count > 0) plan = plan with { RetryOnStatus = RetryOnStatus(policy, backend) };
        var requestToken = requestTimeout?.Token ?? context.RequestAborted;
        EndpointState? last = null;
        if (breaker?.TryEnterRequest() is { } requestLimit) return await CircuitOpen(context, rule, backend, "requests", requestLimit, retries);
        runtime.RetryBudget.RequestStarted();
        try
        {
            while (true)
            {
                RateLimitLease? connectionSlot = null;
                if (breaker is not null)
                {
                    string? pendingLimit;
                    try
                    {
                        (connectionSlot, pendingLimit) = await breaker.AcquireConnectionAsync(requestToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                    {
                        var timeout = $"route {rule.Name}: backend {backend.Name}: request timeout while waiting for a connection (max connections {breaker.Limits.MaxConnections})";
                        runtime.Metrics.UpstreamError(backend.Name, "timeout");
                        await AnswerCall(context, 504, timeout);
                        return new(null, retries, timeout);
                    }
                    if (pendingLimit is not null) return await CircuitOpen(context, rule, backend, "pending", pendingLimit, retries);
                }
                var now = runtime.Time.GetTimestamp();
                var endpoint = last is null && session?.Pin is { } pin ? pin.Endpoint : balancer.Pick(backend.Endpoints, context, now, last);
                if (endpoint is null)
                {
                    connectionSlot?.Dispose();
                    var error = $"route {rule.Name}: backend {backend.Name}: {NoEndpoints(backend)}";
                    await AnswerCall(context, 503, error);
                    return new(null, retries, error);
                }
                if (session is { } s) s.Persistence.Stamp(context, backend, endpoint, s.Pin, s.CookiePath, s.Secure, runtime.Time.GetUtcNow());
                else backend.Balancer.Picked(context, endpoint);
                ForwardResult result;
                endpoint.Begin();
                try
                {
                    using var tryTimeout = rule.BackendTimeout is { } bt ? CancellationTokenSource.CreateLinkedTokenSource(requestToken) : null;
                    tryTimeout?.CancelAfter(rule.BackendTimeout!.Value);
                    var forwarder = ForwarderOf(backend);
                    var attemptPlan = retriesLeft > 0 ? plan : plan with { RetryOnStatus = null };
                    result = await forwarder.ForwardAsync(context, endpoint, attemptPlan, tryTimeout?.Token ?? requestToken).ConfigureAwait(false);
                }
                finally
                {
                    endpoint.End();
                    connectionSlot?.Dispose();
                    if (holdsToken)
                    {
                        ReleaseRetryToken(backend);
                        holdsToken = false;
                    }
                }
                RecordHealth(backend, endpoint, result);
                var requestTimedOut = requestTimeout?.IsCancellationRequested == true && !context.RequestAborted.IsCancellationRequested;
                switch (result.Outcome)
                {
                    case ForwardOutcome.Success:
                        return new(endpoint.Name, retries, null);
                    case ForwardOutcome.ClientAborted:
                        return ClientGone(context, endpoint, retries);
                    case ForwardOutcome.ResponseAborted:
                        return new(endpoint.Name, retries, $"route {rule.Name}: endpoint {endpoint.Name}: {result.Detail}");
                    case ForwardOutcome.BadRequestBody:
                        var unreadable = $"listener: request body: {result.Detail}";
                        await AnswerCall(context, result.StatusCode, unreadable);
                        return new(endpoint.Name, retries, unreadable);
                }
                var retryable = result.Outcome switch
                {
                    ForwardOutcome.ConnectFailed => true,
                    ForwardOutcome.RetryableStatus => true,
                    ForwardOutcome.ResetBeforeResponse => idempotent,
                    ForwardOutcome.TimedOut => idempotent && !requestTimedOut,
                    _ => false,
                };
                if (retryable && retriesLeft > 0 && !requestTimedOut)
                {
                    holdsToken = result.Outcome == ForwardOutcome.RetryableStatus || TryRetryToken(backend);
                    if (holdsToken)
                    {
                        retriesLeft--;
                        retries++;
                        runtime.Metrics.Retry();
                        last = endpoint;
                        var backoff = Backoff(policy.Backoff, retries, runtime.Random);
                        if (backoff > TimeSpan.Zero)
                        {
                            try
                            {
                                await Task.Delay(backoff, runtime.Time, requestToken).ConfigureAwait(false);
                            }
                            catch (OperationCanceledException)
                            {
                                ReleaseRetryToken(backend);
                                holdsToken = false;
                                if (context.RequestAborted.IsCancellationRequested) return ClientGone(context, endpoint, retries);
                                return await Fail(context, rule, backend, endpoint, new(ForwardOutcome.TimedOut, 0, "request"), requestTimedOut: true, retries);
                            }
                        }
                        continue;
                    }
                }
                else if (result.Outcome == ForwardOutcome.RetryableStatus) ReleaseRetryToken(backend); // taken when the status was held back
                return await Fail(context, rule, backend, endpoint, result, requestTimedOut, retries);
            }
        }
        finally
        {
            if (holdsToken) ReleaseRetryToken(backend);
            runtime.RetryBudget.RequestEnded();
            breaker?.ExitRequest();
        }
    }

    /// <summary>The client went away: nothing more reaches it, and the access log and metrics say 499, as nginx's do.</summary>
    private static Outcome ClientGone(HttpContext context, EndpointState endpoint, int retries)
    {
        if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodeClientClosed;
        context.Abort();
        return new(endpoint.Name, retries, "client went away");
    }

    private IUpstreamForwarder ForwarderOf(Backend backend) => backend.Protocol == UpstreamProtocol.H2c ? runtime.H2cForwarder : runtime.Forwarder;

    /// <summary>
    /// Whether an attempt's answer is held back for a retry: a retryable status, and a retry token to spend on it.
    /// Made only for the requests that can retry on a status, so that the others allocate no closure.
    /// </summary>
    private Func<int, bool> RetryOnStatus(RetryPolicy policy, Backend backend) => code => policy.Codes.Contains(code) && TryRetryToken(backend);

    /// <summary>A retry needs a token from the proxy's retry budget and, when the backend limits retries, a retry slot.</summary>
    private bool TryRetryToken(Backend backend)
    {
        if (!runtime.RetryBudget.TryAcquire())
        {
            runtime.Metrics.RetryBudgetExhausted();
            return false;
        }
        if (backend.Breaker?.TryEnterRetry() is null) return true;
        runtime.RetryBudget.Release();
        runtime.Metrics.CircuitOpen(backend.Name, "retries");
        return false;
    }

    private void ReleaseRetryToken(Backend backend)
    {
        runtime.RetryBudget.Release();
        backend.Breaker?.ExitRetry();
    }

    private static string NoEndpoints(Backend backend)
    {
        var failing = backend.Endpoints.Count(e => e.FailingActiveChecks);
        return failing == 0 ? "no ready endpoints" : $"no healthy endpoints ({failing} of {backend.Endpoints.Length} failing active health checks)";
    }

    private async Task<Outcome> CircuitOpen(HttpContext context, RouteRule rule, Backend backend, string limit, string detail, int retries)
    {
        runtime.Metrics.CircuitOpen(backend.Name, limit);
        var error = $"route {rule.Name}: backend {backend.Name}: circuit open: {detail}";
        await AnswerCall(context, 503, error);
        return new(null, retries, error);
    }

    /// <summary>
    /// JWT and Basic authentication of the rule's HTTPTrafficFilter, or its 500 when the filter cannot apply; the error
    /// text when the request was answered here.
    /// </summary>
    private async Task<string?> AuthenticateAsync(HttpContext context, RouteRule rule, RuleTraffic traffic)
    {
        if (traffic.Error is not null)
        {
            var unresolved = $"route {rule.Name}: {traffic.Error}";
            await AnswerCall(context, 500, unresolved);
            return unresolved;
        }
        if (await traffic.Auth!.AuthenticateAsync(context).ConfigureAwait(false) is not { } refused) return null;
        runtime.Metrics.AuthRefused(rule.Name, refused.Reason);
        var error = $"route {rule.Name}: {traffic.Source}: {refused.Error}";
        await AnswerCall(context, refused.Status, error, challenge: refused.Challenge);
        return error;
    }

    /// <summary>Rate limit and faults of the rule's HTTPTrafficFilter; the error text when the request was answered here.</summary>
    private async Task<string?> AdmitAsync(HttpContext context, RouteRule rule, RuleTraffic traffic, CancellationToken requestToken)
    {
        var (delayed, refusal) = await traffic.AdmitAsync(context, runtime.Random, runtime.Time, requestToken).ConfigureAwait(false);
        if (delayed) runtime.Metrics.FaultInjected(rule.Name, "delay");
        if (refusal is not { } r) return null;
        switch (r.Kind)
        {
            case TrafficRefusalKind.RateLimited: runtime.Metrics.RateLimited(rule.Name); break;
            case TrafficRefusalKind.Aborted: runtime.Metrics.FaultInjected(rule.Name, "abort"); break;
        }
        var error = $"route {rule.Name}: {r.Error}";
        var retryAfter = r.RetryAfter is { } after ? ((long)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        await AnswerCall(context, r.Status, error, retryAfter);
        return error;
    }

    private async Task<Outcome> Fail(HttpContext context, RouteRule rule, Backend backend, EndpointState endpoint, ForwardResult result, bool requestTimedOut, int retries)
    {
        var (status, kind, what) = result.Outcome switch
        {
            ForwardOutcome.ConnectFailed => (503, "connect", $"connect failed ({result.Detail})"),
            ForwardOutcome.TimedOut when requestTimedOut => (504, "timeout", "request timeout"),
            ForwardOutcome.TimedOut => (504, "timeout", "backend request timeout"),
            ForwardOutcome.RetryableStatus => (result.StatusCode, "status", $"answered {result.StatusCode} after {retries} retries"),
            ForwardOutcome.InvalidResponse => (502, "invalid_response", $"invalid response ({result.Detail})"),
            _ => (502, "reset", $"upstream reset before responding ({result.Detail})"),
        };
        runtime.Metrics.UpstreamError(backend.Name, kind);
        var error = $"route {rule.Name}: backend {backend.Name}: endpoint {endpoint.Name}: {what}";
        if (context.Response.HasStarted) context.Abort();
        else await AnswerCall(context, status, error);
        return new(endpoint.Name, retries, error);
    }

    private void RecordHealth(Backend backend, EndpointState endpoint, ForwardResult result)
    {
        switch (result.Outcome)
        {
            case ForwardOutcome.ConnectFailed:
                if (backend.RecordConnectFailure(endpoint, runtime.Time)) runtime.Metrics.Ejection();
                break;
            case ForwardOutcome.Success or ForwardOutcome.RetryableStatus when result.StatusCode < 500:
                endpoint.RecordSuccess();
                break;
            case ForwardOutcome.Success or ForwardOutcome.RetryableStatus or ForwardOutcome.ResetBeforeResponse or ForwardOutcome.TimedOut or ForwardOutcome.InvalidResponse:
                if (backend.Record5xx(endpoint, runtime.Time)) runtime.Metrics.Ejection();
                break;
        }
    }

    /// <summary>
    /// The wait before retry <paramref name="retry"/> (1 for the first): retry.backoff, doubled per retry up to ten times
    /// it, plus up to half of that again at random. Never less than retry.backoff, which Gateway API makes the minimum
    /// (jitter may only add to it).
    /// </summary>
    internal static TimeSpan Backoff(TimeSpan backoff, int retry, IRandomSource random)
    {
        if (backoff <= TimeSpan.Zero) return TimeSpan.Zero;
        var wait = Math.Min(backoff.Ticks * (1L << Math.Min(retry - 1, 10)), backoff.Ticks * 10);
        return TimeSpan.FromTicks(wait + wait * random.Next(501) / 1000);
    }

    /// <summary>
    /// The error text as a header value: printable ASCII only (Kestrel refuses anything else, which would turn
    /// the answer into a 500); other characters, such as those of a request path, become '?'. The body keeps the text whole.
    /// </summary>
    internal static string HeaderSafe(string text) =>
        text.AsSpan().ContainsAnyExceptInRange(' ', '~')
            ? string.Create(text.Length, text, static (span, t) =>
            {
                for (var i = 0; i < t.Length; i++) span[i] = t[i] is >= ' ' and <= '~' ? t[i] : '?';
            })
            : text;

    /// <summary>
    /// The proxy's own error answer. It starts from no headers: none copied from an upstream response that failed
    /// half-way, and no sticky-cookie or session persistence cookie or header stamped for an attempt that failed (only
    /// a response an endpoint produced names that endpoint).
    /// </summary>
    internal static async Task Answer(HttpContext context, int status, string error, string? retryAfter = null, string? challenge = null)
    {
        if (context.Response.HasStarted) return;
        context.Response.Headers.Clear();
        if (retryAfter is not null) context.Response.Headers.RetryAfter = retryAfter;
        if (challenge is not null) context.Response.Headers.WWWAuthenticate = challenge;
        context.Response.StatusCode = status;
        context.Response.Headers[ErrorHeader] = HeaderSafe(error);
        context.Response.ContentType = "text/plain; charset=utf-8";
        var body = System.Text.Encoding.UTF8.GetBytes(error + "\n");
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body);
    }

    /// <summary>
    /// The proxy's own error answer to a request it routes (no route, or after a rule matched): gRPC's to a gRPC call,
    /// whichever route kind carries it (as Envoy answers gRPC requests), else <paramref name="status"/>.
    /// </summary>
    internal static Task AnswerCall(HttpContext context, int status, string error, string? retryAfter = null, string? challenge = null) =>
        SpeaksGrpc(context) ? AnswerGrpc(context, GrpcStatuses.FromHttp(status), error) : Answer(context, status, error, retryAfter, challenge);

    /// <summary>
    /// A gRPC call: content-type <c>application/grpc</c> alone or followed by <c>+</c> (<c>+proto</c>) or <c>;</c>, as
    /// Envoy tells one. gRPC-Web (<c>application/grpc-web</c>) is not: its clients read HTTP's answers.
    /// </summary>
    private static bool SpeaksGrpc(HttpContext context) =>
        context.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
        && (type.Length == "application/grpc".Length || type["application/grpc".Length] is '+' or ';');

    /// <summary>
    /// A gRPC "trailers-only" error answer: HTTP 200 with content-type application/grpc, grpc-status and grpc-message
    /// and no body (Kestrel ends the HTTP/2 stream on the headers). Starts from no headers, as the HTTP answer does.
    /// </summary>
    internal static Task AnswerGrpc(HttpContext context, GrpcStatus status, string error)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        var headers = context.Response.Headers;
        headers.Clear();
        context.Response.StatusCode = StatusCodes.Status200OK;
        headers[ErrorHeader] = HeaderSafe(error);
        headers.ContentType = "application/grpc";
        headers["grpc-status"] = GrpcStatuses.Code(status);
        headers["grpc-message"] = GrpcStatuses.PercentEncode(error);
        return Task.CompletedTask;
    }
}
