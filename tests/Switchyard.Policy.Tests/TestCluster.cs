using k8s;
using k8s.Models;
using Switchyard.Model.Manifests;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;

namespace Switchyard.Policy.Tests;

/// <summary>
/// The cluster the upstream NetworkPolicy e2e suite probes, in our own data: namespaces x, y, z
/// (labelled ns=x, ...), each with pods a, b, c (labelled pod=a, ...), every pod serving 80 and 81
/// on TCP, UDP and SCTP under the names serve-80-tcp, serve-81-udp, ...
/// </summary>
internal static class TestCluster
{
    public static readonly string[] Namespaces = ["x", "y", "z"];
    public static readonly string[] PodNames = ["a", "b", "c"];

    public static List<IKubernetesObject<V1ObjectMeta>> Objects()
    {
        var list = new List<IKubernetesObject<V1ObjectMeta>>();
        for (var n = 0; n < Namespaces.Length; n++)
        {
            var ns = Namespaces[n];
            list.Add(Namespace(ns, new() { ["ns"] = ns }));
            for (var p = 0; p < PodNames.Length; p++)
            {
                list.Add(Pod(ns, PodNames[p], new() { ["pod"] = PodNames[p] }, $"10.0.{n + 1}.{p + 1}"));
            }
        }
        return list;
    }

    public static V1Namespace Namespace(string name, Dictionary<string, string>? labels = null) =>
        new() { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name, Labels = labels } };

    public static V1Pod Pod(string ns, string name, Dictionary<string, string>? labels, string? ip, bool hostNetwork = false, IList<V1ContainerPort>? ports = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1PodSpec
        {
            HostNetwork = hostNetwork ? true : null,
            Containers = [new V1Container { Name = "main", Image = "agnhost", Ports = ports ?? DefaultPorts() }],
        },
        Status = ip is null ? new V1PodStatus { Phase = "Pending" } : new V1PodStatus { Phase = "Running", PodIP = ip, PodIPs = [new V1PodIP { Ip = ip }] },
    };

    public static List<V1ContainerPort> DefaultPorts()
    {
        var ports = new List<V1ContainerPort>();
        foreach (var proto in new[] { "TCP", "UDP", "SCTP" })
        {
            foreach (var port in new[] { 80, 81 })
            {
                ports.Add(new V1ContainerPort { ContainerPort = port, Protocol = proto, Name = $"serve-{port}-{proto.ToLowerInvariant()}" });
            }
        }
        return ports;
    }

    /// <summary>Decodes YAML documents (without API defaulting unless asked, to exercise raw objects).</summary>
    public static List<IKubernetesObject<V1ObjectMeta>> Yaml(string yaml, bool defaults = false)
    {
        var result = new ManifestReader(new ManifestReaderOptions { Validate = defaults }).ReadText("test.yaml", yaml);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Resources.ToList();
    }

    public static PolicyIndex Index(string policiesYaml, bool defaults = false) =>
        PolicyCompiler.Compile(Objects().Concat(Yaml(policiesYaml, defaults)));

    public static PolicyIndex Index(IEnumerable<IKubernetesObject<V1ObjectMeta>> extra) => PolicyCompiler.Compile(Objects().Concat(extra));

    public static Verdict Decide(this PolicyIndex index, string from, string to, int port, L4Protocol protocol = L4Protocol.TCP)
    {
        var source = index.Resolve(from) ?? throw new ArgumentException($"no pod {from}");
        var destination = index.Resolve(to) ?? throw new ArgumentException($"no pod {to}");
        return index.Decide(source, destination, port, protocol);
    }

    /// <summary>A grid with every pair allowed except the listed "from>to" pairs ("*" for any pod of a namespace: "x/*>y/a").</summary>
    public static string GridExcept(params string[] denied)
    {
        var pods = Namespaces.SelectMany(ns => PodNames.Select(p => $"{ns}/{p}")).ToArray();
        var sb = new System.Text.StringBuilder();
        foreach (var from in pods)
        {
            sb.Append(from).Append(' ');
            foreach (var to in pods)
            {
                sb.Append(from == to ? '-' : denied.Any(d => Matches(d, from, to)) ? 'X' : '.');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>A grid with every pair denied except the listed ones.</summary>
    public static string GridOnly(params string[] allowed)
    {
        var pods = Namespaces.SelectMany(ns => PodNames.Select(p => $"{ns}/{p}")).ToArray();
        var sb = new System.Text.StringBuilder();
        foreach (var from in pods)
        {
            sb.Append(from).Append(' ');
            foreach (var to in pods)
            {
                sb.Append(from == to ? '-' : allowed.Any(d => Matches(d, from, to)) ? '.' : 'X');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static bool Matches(string pattern, string from, string to)
    {
        var parts = pattern.Split('>');
        return Glob(parts[0], from) && Glob(parts[1], to);
    }

    private static bool Glob(string pattern, string pod)
    {
        if (pattern == "*") return true;
        var (pns, pname) = (pattern.Split('/')[0], pattern.Split('/')[1]);
        var (ns, name) = (pod.Split('/')[0], pod.Split('/')[1]);
        return (pns == "*" || pns == ns) && (pname == "*" || pname == name);
    }
}
