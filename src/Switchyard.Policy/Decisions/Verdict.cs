using Switchyard.Policy.Compilation;
using Switchyard.Policy.Http;

namespace Switchyard.Policy.Decisions;

/// <summary>
/// The answer for one connection: allowed only when the source's egress and the destination's ingress
/// both permit it (and, for an HTTP request on a port that L7 rules cover, when a rule admits the request).
/// A value: deciding allocates nothing.
/// </summary>
public readonly struct Verdict
{
    private readonly SideResult _egress;
    private readonly SideResult _ingress;

    internal Verdict(in Endpoint source, in Endpoint destination, int port, L4Protocol protocol, in SideResult egress, in SideResult ingress, in HttpDecision http)
    {
        Source = source;
        Destination = destination;
        Port = port;
        Protocol = protocol;
        _egress = egress;
        _ingress = ingress;
        Http = http;
    }

    public Endpoint Source { get; }
    public Endpoint Destination { get; }
    public int Port { get; }
    public L4Protocol Protocol { get; }

    /// <summary>The source pod's egress decision (named ports resolve against the destination pod).</summary>
    public SideDecision Egress => _egress.ToDecision(PolicyDirection.Egress, Destination, Destination.Pod, Port, Protocol);

    /// <summary>The destination pod's ingress decision.</summary>
    public SideDecision Ingress => _ingress.ToDecision(PolicyDirection.Ingress, Source, Destination.Pod, Port, Protocol);

    /// <summary>The L7 decision (<see cref="HttpOutcome.NotApplicable"/> when no HTTP policy covers the destination port).</summary>
    public HttpDecision Http { get; }

    /// <summary>Whether the connection (and the request, when one was given) may pass at layer 4.</summary>
    public bool ConnectionAllowed => _egress.Permits && _ingress.Permits;

    public bool Allowed => ConnectionAllowed && Http.Permits;

    public override string ToString() => VerdictText.Summary(this);
}
