using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Resilience;

namespace Switchyard.Proxy.Backends;

/// <summary>
/// Backend layer: one Service port (or other backend) of a route with its ready endpoints, load balancer, outlier
/// policy and circuit breaker. A backend that could not be resolved keeps its weight and carries <see cref="Error"/>; requests
/// that land on it are answered 500, as the Gateway API requires.
/// </summary>
internal sealed class Backend
{
    public required string Name { get; init; }

    public required EndpointState[] Endpoints { get; init; }

    public required ILoadBalancer Balancer { get; init; }

    public OutlierDetection Outlier { get; init; } = OutlierDetection.Default;

    /// <summary>Connection, pending, request and retry limits; null when the backend has none.</summary>
    public CircuitBreaker? Breaker { get; init; }

    public int Weight { get; init; } = 1;

    /// <summary>
    /// How long a relayed TCP or TLS connection, or a UDP session, to this backend may carry nothing either way before it
    /// ends (annotation lb.switchyard.dev/idle-timeout); null: the process's --tls-idle-timeout or --udp-idle-timeout.
    /// </summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>HTTP/1.1 (default) or HTTP/2 cleartext, from the Service port's appProtocol.</summary>
    public UpstreamProtocol Protocol { get; init; }

    /// <summary>Why this backend cannot serve ("service default/web not found"); null when it can.</summary>
    public string? Error { get; init; }

    /// <summary>The backendRef's RequestHeaderModifier, applied only to requests sent to this backend.</summary>
    public HeaderEdits? RequestEdits { get; init; }

    /// <summary>
    /// With a backendRef ResponseHeaderModifier: all response header changes for this backend, the rule's then the
    /// backendRef's; null means the rule's alone.
    /// </summary>
    public HeaderEdits? ResponseEdits { get; init; }

    /// <summary>A copy sharing endpoints, balancer and limits, with another weight, header changes or protocol (null keeps this backend's).</summary>
    public Backend With(int? weight = null, HeaderEdits? requestEdits = null, HeaderEdits? responseEdits = null, UpstreamProtocol? protocol = null) => new()
    {
        Name = Name, Endpoints = Endpoints, Balancer = Balancer, Outlier = Outlier, Protocol = protocol ?? Protocol, Breaker = Breaker, IdleTimeout = IdleTimeout,
        Error = Error,
        Weight = weight ?? Weight,
        RequestEdits = requestEdits ?? RequestEdits,
        ResponseEdits = responseEdits ?? ResponseEdits,
    };

    /// <summary>
    /// A connection to <paramref name="endpoint"/> failed (refused, timed out; for UDP, an ICMP port unreachable): counted
    /// towards <see cref="OutlierDetection.ConsecutiveConnectFailures"/>, and the endpoint ejected when that many came in a
    /// row and the policy allows; returns true if it was ejected.
    /// </summary>
    public bool RecordConnectFailure(EndpointState endpoint, TimeProvider time) =>
        Outlier.ConsecutiveConnectFailures > 0 && endpoint.RecordConnectFailure() >= Outlier.ConsecutiveConnectFailures && TryEject(endpoint, time);

    /// <summary>An answer of <paramref name="endpoint"/> failed (a 5xx, a reset, a timeout): as <see cref="RecordConnectFailure"/>, towards <see cref="OutlierDetection.Consecutive5xx"/>.</summary>
    public bool Record5xx(EndpointState endpoint, TimeProvider time) =>
        Outlier.Consecutive5xx > 0 && endpoint.Record5xx() >= Outlier.Consecutive5xx && TryEject(endpoint, time);

    /// <summary>Ejects <paramref name="endpoint"/> when the policy allows; returns true if it did.</summary>
    public bool TryEject(EndpointState endpoint, TimeProvider time)
    {
        var now = time.GetTimestamp();
        var ejected = 0;
        foreach (var e in Endpoints) if (e.IsEjected(now)) ejected++;
        if ((ejected + 1) * 100 > Outlier.MaxEjectionPercent * Endpoints.Length) return false;
        var factor = endpoint.RecentEjections(now, (long)(Outlier.MaxEjectionTime.TotalSeconds * time.TimestampFrequency)) + 1;
        var duration = TimeSpan.FromTicks(Math.Min(Outlier.BaseEjectionTime.Ticks * factor, Outlier.MaxEjectionTime.Ticks));
        endpoint.Eject(now + (long)(duration.TotalSeconds * time.TimestampFrequency));
        return true;
    }
}

/// <summary>The backends of one rule and their weights; picks one per request in proportion to weight.</summary>
internal sealed class BackendGroup
{
    private readonly Backend[] _backends;
    private readonly int[] _cumulative;

    public BackendGroup(IReadOnlyList<Backend> backends)
    {
        _backends = [.. backends.Where(b => b.Weight > 0)];
        _cumulative = new int[_backends.Length];
        var total = 0;
        for (var i = 0; i < _backends.Length; i++) _cumulative[i] = total += _backends[i].Weight;
        TotalWeight = total;
        All = [.. backends];
    }

    public IReadOnlyList<Backend> All { get; }

    public int TotalWeight { get; }

    /// <summary>Null when there is no backend with a positive weight (the rule answers 500).</summary>
    public Backend? Pick(IRandomSource random)
    {
        if (_backends.Length == 0) return null;
        if (_backends.Length == 1) return _backends[0];
        var n = random.Next(TotalWeight);
        for (var i = 0; i < _cumulative.Length; i++) if (n < _cumulative[i]) return _backends[i];
        return _backends[^1];
    }
}
