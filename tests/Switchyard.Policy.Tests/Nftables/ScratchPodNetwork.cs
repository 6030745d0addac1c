using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Switchyard.Policy.Tests.Nftables;

/// <summary>
/// A routed pod network made of scratch network namespaces, as a CNI plugin would build it: one "node"
/// namespace that routes, and one namespace per pod joined to it by a veth pair (the pod's address /32 on
/// its eth0, a default route out of it; the node routes the /32 to the pod's veth and answers ARP by proxy).
/// Traffic between pods therefore crosses the node's <c>forward</c> hook, where a rendered ruleset enforces.
/// Names are unique per instance; <see cref="Dispose"/> closes every socket and deletes every namespace.
/// </summary>
internal sealed class ScratchPodNetwork : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly string _prefix = $"sy-pol-{Guid.NewGuid().ToString("N")[..8]}";
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, string> _podNamespaces = [];
    private readonly List<Socket> _sockets = [];

    /// <summary>The namespace that routes between the pods (and holds the ruleset).</summary>
    public string Node => $"{_prefix}-node";

    /// <summary>Why this machine cannot build the network (not root, a tool missing), or null when it can.</summary>
    public static string? Unavailable()
    {
        if (Nft.Path is null) return "nft (Debian package nftables) is not installed";
        if (!new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.Any(File.Exists)) return "ip (Debian package iproute2) is not installed";
        if (!Nft.IsRoot()) return "network namespaces need root";
        return null;
    }

    /// <summary>Creates the node namespace; throws with the command's output when that fails.</summary>
    public ScratchPodNetwork()
    {
        try
        {
            AddNamespace(Node);
            Ip($"-n {Node} link set lo up");
            // The node needs an address of its own to ask for pod MAC addresses; it never leaves the namespace.
            Ip($"-n {Node} addr add 10.255.255.254/32 dev lo");
            Ip($"netns exec {Node} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Adds a pod namespace with <paramref name="address"/> (IPv4) routed through the node.</summary>
    public void AddPod(string podKey, IPAddress address)
    {
        var index = _podNamespaces.Count;
        var ns = $"{_prefix}-p{index}";
        var veth = $"p{index}";
        AddNamespace(ns);
        _podNamespaces[podKey] = ns;
        Ip($"-n {Node} link add {veth} type veth peer name eth0 netns {ns}");
        Ip($"netns exec {Node} sysctl -qw net.ipv4.conf.{veth}.proxy_arp=1 net.ipv4.neigh.{veth}.proxy_delay=0 net.ipv4.conf.{veth}.rp_filter=0");
        Ip($"-n {Node} link set {veth} up");
        Ip($"-n {Node} route add {address}/32 dev {veth}");
        Ip($"-n {ns} link set lo up");
        Ip($"-n {ns} addr add {address}/32 dev eth0");
        Ip($"-n {ns} link set eth0 up");
        Ip($"-n {ns} route add default dev eth0");
    }

    /// <summary>Loads an nftables ruleset into the node namespace; throws with nft's message when it refuses.</summary>
    public void LoadRuleset(string ruleset)
    {
        var file = Path.Combine(Path.GetTempPath(), $"{Node}.nft");
        File.WriteAllText(file, ruleset);
        try
        {
            Ip($"netns exec {Node} nft -f {file}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// A socket created inside the pod's namespace (it stays there: a socket belongs to the namespace it was
    /// created in, whichever thread uses it later). Closed by <see cref="Dispose"/>.
    /// </summary>
    public Socket Socket(string podKey, SocketType type, ProtocolType protocol)
    {
        var path = $"/var/run/netns/{_podNamespaces[podKey]}";
        Socket? socket = null;
        Exception? error = null;
        // setns changes the namespace of the calling thread only: do it on a thread of our own that then ends.
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(path);
                if (SetNs(handle.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns {path}");
                }
                socket = new Socket(AddressFamily.InterNetwork, type, protocol);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new InvalidOperationException($"cannot open a socket in {path}", error);
        _sockets.Add(socket!);
        return socket!;
    }

    public void Dispose()
    {
        foreach (var s in _sockets) s.Dispose();
        // Deleting a pod namespace removes its veth pair; the node goes last.
        foreach (var ns in Enumerable.Reverse(_namespaces)) Nft.Run("ip", $"netns del {ns}");
    }

    private void AddNamespace(string name)
    {
        Ip($"netns add {name}");
        _namespaces.Add(name);
    }

    private static void Ip(string arguments)
    {
        var (code, output) = Nft.Run("ip", arguments);
        if (code != 0) throw new InvalidOperationException($"ip {arguments}: exit {code}: {output}");
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
