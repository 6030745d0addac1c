using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;
using Switchyard.Policy.Nftables;

namespace Switchyard.Policy.Tests.Nftables;

/// <summary>
/// Real packets through the rendered ruleset: the nine test-cluster pods each get a network namespace routed
/// through a node namespace that holds the ruleset; every ordered pod pair is probed with TCP connections and
/// UDP datagrams, and the kernel's outcome must equal <see cref="PolicyIndex.Decide"/> for every probe.
/// </summary>
public sealed class NftablesPacketTests
{
    /// <summary>
    /// A mix the renderer must get right: default deny, namespace+pod selector in one peer, same-namespace peers,
    /// numbered and named ports, an endPort range, egress isolation, ipBlocks with an exception.
    /// </summary>
    private const string Policies = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: x}
        spec: {podSelector: {}, policyTypes: [Ingress]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a-from-y-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}]
            ports: [{port: 80}, {port: serve-81-udp, protocol: UDP}]
          - from: [{podSelector: {matchLabels: {pod: c}}}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: c-egress, namespace: y}
        spec:
          podSelector: {matchLabels: {pod: c}}
          policyTypes: [Egress]
          egress:
          - to: [{namespaceSelector: {matchLabels: {ns: z}}}]
            ports: [{port: 80, endPort: 81, protocol: TCP}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-blocks, namespace: z}
        spec:
          podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}
          ingress:
          - from:
            - ipBlock: {cidr: 10.0.1.0/24, except: [10.0.1.2/32]}
            - ipBlock: {cidr: 10.0.2.3/32}
            ports: [{port: serve-81-tcp}, {port: 80, protocol: UDP}]
        """;

    private static readonly (int Port, L4Protocol Protocol)[] Ports =
        [(80, L4Protocol.TCP), (81, L4Protocol.TCP), (80, L4Protocol.UDP), (81, L4Protocol.UDP)];

    /// <summary>How long probes get to connect or arrive; denied ones are dropped, so they never do.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private sealed record Probe(PodEntry From, PodEntry To, int Port, L4Protocol Protocol)
    {
        public override string ToString() => $"{From.Key} -> {To.Key} {Port}/{Protocol}";
    }

    [SkippableFact]
    public void Ruleset_RealPacketsBetweenPodNamespaces_KernelAgreesWithDecide()
    {
        var unavailable = ScratchPodNetwork.Unavailable();
        Skip.If(unavailable is not null, unavailable);
        var index = TestCluster.Index(Policies);
        var pods = index.Pods.Where(p => p.Address is not null).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        ScratchPodNetwork network;
        try
        {
            network = new ScratchPodNetwork();
        }
        catch (InvalidOperationException e)
        {
            throw new SkipException($"cannot create a network namespace: {e.Message}");
        }
        using (network)
        {
            foreach (var pod in pods) network.AddPod(pod.Key, pod.Address!.Value.ToIPAddress());
            var servers = Serve(network, pods);
            var probes = pods.SelectMany(from => pods.Where(to => to != from)
                .SelectMany(to => Ports.Select(p => new Probe(from, to, p.Port, p.Protocol)))).ToList();

            // Without a ruleset every probe must arrive: the scratch network routes between all pods.
            var open = Send(network, probes, servers);
            Assert.True(open.All(p => p.Value), "without a ruleset, not delivered: " + string.Join("; ", open.Where(p => !p.Value).Select(p => p.Key)));

            network.LoadRuleset(NftablesRenderer.Render(index));
            var enforced = Send(network, probes, servers);
            var mismatches = new List<string>();
            foreach (var (probe, delivered) in enforced)
            {
                var verdict = index.Decide(Endpoint.ForPod(probe.From), Endpoint.ForPod(probe.To), probe.Port, probe.Protocol);
                if (verdict.Allowed != delivered)
                {
                    mismatches.Add($"{probe}: kernel {(delivered ? "delivered" : "dropped")}, Decide: {VerdictText.Reason(verdict)}");
                }
            }
            Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {enforced.Count} probes disagree:\n" + string.Join("\n", mismatches));
            // The fixture exercises both outcomes in the kernel (otherwise agreement would prove little).
            Assert.Contains(enforced.Values, delivered => delivered);
            Assert.Contains(enforced.Values, delivered => !delivered);
        }
    }

    /// <summary>A TCP listener and a UDP socket on every probed port of every pod, bound to the pod's address.</summary>
    private static Dictionary<(string Pod, int Port, L4Protocol Protocol), Socket> Serve(ScratchPodNetwork network, List<PodEntry> pods)
    {
        var servers = new Dictionary<(string, int, L4Protocol), Socket>();
        foreach (var pod in pods)
        {
            foreach (var (port, protocol) in Ports)
            {
                var tcp = protocol == L4Protocol.TCP;
                var socket = network.Socket(pod.Key, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
                socket.Bind(new IPEndPoint(pod.Address!.Value.ToIPAddress(), port));
                if (tcp) socket.Listen(64);
                else socket.Blocking = false;
                servers[(pod.Key, port, protocol)] = socket;
            }
        }
        return servers;
    }

    /// <summary>
    /// Starts every probe at once (a non-blocking TCP connect, or one UDP datagram naming the probe), waits
    /// <see cref="Window"/>, then reads the outcome from the kernel: a connected socket, a datagram queued at the server.
    /// </summary>
    private static Dictionary<Probe, bool> Send(ScratchPodNetwork network, List<Probe> probes, Dictionary<(string, int, L4Protocol), Socket> servers)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var connecting = new Dictionary<Probe, Socket>();
        foreach (var (probe, n) in probes.Select((p, n) => (p, n)))
        {
            var target = new IPEndPoint(probe.To.Address!.Value.ToIPAddress(), probe.Port);
            if (probe.Protocol == L4Protocol.TCP)
            {
                var client = network.Socket(probe.From.Key, SocketType.Stream, ProtocolType.Tcp);
                client.Blocking = false;
                try
                {
                    client.Connect(target);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                }
                connecting[probe] = client;
            }
            else
            {
                var client = network.Socket(probe.From.Key, SocketType.Dgram, ProtocolType.Udp);
                client.SendTo(Encoding.ASCII.GetBytes($"{run} {n}"), target);
            }
        }
        Thread.Sleep(Window);

        var result = probes.ToDictionary(p => p, _ => false);
        foreach (var (probe, client) in connecting)
        {
            if (!client.Poll(0, SelectMode.SelectWrite)) continue; // handshake still pending: the SYN was dropped
            var error = (int)client.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            Assert.True(error == 0, $"{probe}: connect failed with error {error} (a server listens on every probed port)");
            result[probe] = true;
        }
        var buffer = new byte[64];
        foreach (var ((_, _, protocol), server) in servers)
        {
            if (protocol != L4Protocol.UDP) continue;
            while (server.Available > 0)
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                var text = Encoding.ASCII.GetString(buffer, 0, server.ReceiveFrom(buffer, ref from)).Split(' ');
                if (text[0] == run) result[probes[int.Parse(text[1], System.Globalization.CultureInfo.InvariantCulture)]] = true;
            }
        }
        return result;
    }
}
