using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// Sends the (already filtered) downstream request to one endpoint and streams the answer back. The data plane
/// calls it once per attempt; retries, timeouts and health live above it.
/// </summary>
internal interface IUpstreamForwarder
{
    ValueTask<ForwardResult> ForwardAsync(HttpContext context, EndpointState endpoint, ForwardPlan plan, CancellationToken cancellationToken);

    /// <summary>Whether it writes <see cref="ForwardPlan.Forwarding"/> into the request it sends; the others get those fields in the request's header dictionary.</summary>
    bool WritesForwardingFields => false;
}

/// <summary>
/// What an attempt needs beyond the request: the upstream Host header, whether the request has a body (<see
/// cref="UpstreamMessage.HasBody"/>, asked once per request), which statuses to hold back for a retry, the response's
/// header edits, and the forwarding fields to write into an HTTP/1.1 head when they were left out of the request's
/// header dictionary (null when they were set there).
/// </summary>
internal readonly record struct ForwardPlan(string? UpstreamHost, bool RequestHasBody, Func<int, bool>? RetryOnStatus, HeaderEdits? ResponseEdits, ForwardingFields? Forwarding = null);

internal enum ForwardOutcome
{
    /// <summary>A response was sent to the client (any status).</summary>
    Success,
    /// <summary>No connection could be made; nothing was sent. Safe to retry.</summary>
    ConnectFailed,
    /// <summary>The connection failed before any response byte. Retry only idempotent requests.</summary>
    ResetBeforeResponse,
    /// <summary>The upstream answered a status the plan holds back for a retry; nothing was sent to the client.</summary>
    RetryableStatus,
    /// <summary>The response started and then failed; the client connection is aborted.</summary>
    ResponseAborted,
    /// <summary>Cancelled by the per-try or request timeout.</summary>
    TimedOut,
    /// <summary>The client went away; nothing more is sent to it.</summary>
    ClientAborted,
    /// <summary>
    /// The client's request body could not be read (malformed chunked framing, too slow, too large): the client is
    /// answered the status in <see cref="ForwardResult.StatusCode"/> (400, 408, 413). Not retried.
    /// </summary>
    BadRequestBody,
    /// <summary>The upstream's response was malformed or cut short before any byte of it reached the client: answered 502. Not retried.</summary>
    InvalidResponse,
}

internal readonly record struct ForwardResult(ForwardOutcome Outcome, int StatusCode, string? Detail = null)
{
    public static ForwardResult Ok(int status) => new(ForwardOutcome.Success, status);
}

/// <summary>
/// Header changes of a RequestHeaderModifier or ResponseHeaderModifier filter: set replaces, add appends a value, remove
/// deletes (names case-insensitive). <see cref="Then"/> chains a second filter's changes, applied after these (a rule's,
/// then its chosen backendRef's).
/// </summary>
internal sealed class HeaderEdits(IReadOnlyList<KeyValuePair<string, string>> set, IReadOnlyList<KeyValuePair<string, string>> add, IReadOnlyList<string> remove)
{
    public IReadOnlyList<KeyValuePair<string, string>> Set { get; } = set;
    public IReadOnlyList<KeyValuePair<string, string>> Add { get; } = add;
    public IReadOnlyList<string> Remove { get; } = remove;
    public HeaderEdits? Then { get; private init; }

    public void Apply(IHeaderDictionary headers)
    {
        foreach (var (name, value) in Set) headers[name] = value;
        foreach (var (name, value) in Add) headers.Append(name, value);
        foreach (var name in Remove) headers.Remove(name);
        Then?.Apply(headers);
    }

    /// <summary><paramref name="first"/>'s changes, then <paramref name="second"/>'s; either may be null.</summary>
    public static HeaderEdits? Chain(HeaderEdits? first, HeaderEdits? second) =>
        first is null ? second : second is null ? first : new HeaderEdits(first.Set, first.Add, first.Remove) { Then = Chain(first.Then, second) };
}
