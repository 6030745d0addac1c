using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.ExternalAuth;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Resilience;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;
using Switchyard.Proxy.Transport;

namespace Switchyard.Proxy.Pipeline;

/// <summary>The runtime state the request path shares: current snapshot, endpoints, forwarder, budget, telemetry, time and randomness.</summary>
internal sealed class ProxyRuntime
{
    public required ProxyView View { get; init; }
    public required EndpointRegistry Endpoints { get; init; }
    public required IUpstreamForwarder Forwarder { get; init; }

    /// <summary>Forwarder for backends whose Service port says appProtocol h2c/grpc (HTTP/2 cleartext upstream).</summary>
    public required IUpstreamForwarder H2cForwarder { get; init; }

    /// <summary>Sends RequestMirror copies in the background.</summary>
    public required MirrorSender Mirrors { get; init; }

    /// <summary>Asks the authorization services of ExternalAuth filters.</summary>
    public required ExternalAuthClient ExternalAuthClient { get; init; }
    public RetryBudget RetryBudget { get; init; } = new();
    public ProxyMetrics Metrics { get; init; } = new();
    public AccessLog? AccessLog { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public IRandomSource Random { get; init; } = SharedRandomSource.Instance;

    /// <summary>Continue or start a W3C trace on each request. Default true.</summary>
    public bool TraceContext { get; init; } = true;

    /// <summary>The event loops listeners and upstream connections run on; null for the thread pool (<see cref="ProxyOptions.Io"/>).</summary>
    public EventLoopGroup? Loops { get; init; }

    /// <summary>Also send RFC 7239 Forwarded (X-Forwarded-For/Proto/Host are always sent). Default false.</summary>
    public bool ForwardedHeader { get; init; }

    /// <summary>How long a connection relayed for a TLSRoute or a TCPRoute may carry nothing before it is closed.</summary>
    public TimeSpan TlsIdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a session of a UDP listener may see no datagram either way before it ends.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Sessions one UDP listener keeps at most; a new client past it is refused (its datagrams dropped and counted).</summary>
    public int UdpMaxSessions { get; init; } = 16_384;

    /// <summary>How long a connection on a listener that accepts the PROXY protocol may take to send its header.</summary>
    public TimeSpan ProxyProtocolTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
