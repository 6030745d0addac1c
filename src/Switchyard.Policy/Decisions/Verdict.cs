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
    internal Verdict(Endpoint source, Endpoint destination, int port, L4Protocol protocol, SideDecision egress, SideDecision ingress, HttpDecision http)
    {
        Source = source;
        Destination = destination;
        Port = port;
        Protocol = protocol;
        Egress = egress;
        Ingress = ingress;
        Http = http;
    }

    public Endpoint Source { get; }
    public Endpoint Destination { get; }
    public int Port { get; }
    public L4Protocol Protocol { get; }

    /// <summary>The source pod's egress decision.</summary>
    public SideDecision Egress { get; }

    /// <summary>The destination pod's ingress decision.</summary>
    public SideDecision Ingress { get; }

    /// <summary>The L7 decision (<see cref="HttpOutcome.NotApplicable"/> when no HTTP policy covers the destination port).</summary>
    public HttpDecision Http { get; }

    /// <summary>Whether the connection (and the request, when one was given) may pass at layer 4.</summary>
    public bool ConnectionAllowed => Egress.Permits && Ingress.Permits;

    public bool Allowed => ConnectionAllowed && Http.Permits;

    public override string ToString() => VerdictText.Summary(this);
}
