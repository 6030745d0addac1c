using System.Diagnostics;
using Switchyard.Policy.Nftables;

namespace Switchyard.Policy.Tests.Nftables;

/// <summary>The rendered ruleset is checked by nft itself, and loaded into a scratch network namespace when running as root.</summary>
public sealed class NftablesRendererTests
{
    internal const string Policies = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all, namespace: x}
        spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Ingress, Egress]
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {ns: y}}
              podSelector: {matchLabels: {pod: b}}
            - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24, 10.0.3.128/25]}
            - ipBlock: {cidr: "2001:db8::/32"}
            ports: [{port: 80}, {port: serve-81-udp, protocol: UDP}, {port: 8000, endPort: 8100}, {protocol: SCTP}]
          - {}
          egress:
          - to: [{podSelector: {}}]
            ports: [{port: serve-80-tcp}]
          - ports: [{port: 53, protocol: UDP}]
        """;

    [Fact]
    public void Render_TestCluster_HasIdentityMapsAndPolicyChains()
    {
        var text = NftablesRenderer.Render(TestCluster.Index(Policies));
        Assert.StartsWith("table inet switchyard_policy {", text, StringComparison.Ordinal);
        Assert.Contains("10.0.1.1 : ", text, StringComparison.Ordinal);
        Assert.Contains("comment \"x/web ingress\"", text, StringComparison.Ordinal);
        Assert.Contains("10.0.0.0-10.0.1.255, 10.0.3.0-10.0.3.127, 10.0.4.0-10.0.255.255", text, StringComparison.Ordinal);
        Assert.Contains("meta l4proto udp ip daddr . th dport @", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SizeGrowsWithPodsNotPairs()
    {
        static int Lines(int podsPerNs)
        {
            var objects = new List<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>>();
            foreach (var ns in new[] { "x", "y" })
            {
                objects.Add(TestCluster.Namespace(ns, new() { ["ns"] = ns }));
                for (var i = 0; i < podsPerNs; i++)
                {
                    objects.Add(TestCluster.Pod(ns, $"p{i}", new() { ["app"] = $"a{i % 5}" }, $"10.{(ns == "x" ? 1 : 2)}.{i / 250}.{i % 250 + 1}"));
                }
            }
            objects.AddRange(TestCluster.Yaml(Policies));
            return NftablesRenderer.Render(PolicyCompiler.Compile(objects)).Count(c => c == ',') + NftablesRenderer.Render(PolicyCompiler.Compile(objects)).Count(c => c == '\n');
        }
        var small = Lines(100);
        var large = Lines(1000);
        // Ten times the pods: at most ~ten times the size (pairs would be a hundred times).
        Assert.InRange(large, small, small * 12);
    }

    [SkippableFact]
    public void Render_TestCluster_NftAcceptsIt()
    {
        Skip.If(Nft.Path is null, "nft (Debian package nftables) is not installed");
        var text = NftablesRenderer.Render(TestCluster.Index(Policies));
        var (code, output) = Nft.Check(text);
        Assert.True(code == 0, output + "\n" + text);
    }

    [SkippableFact]
    public void Render_LoadedIntoScratchNamespace_ListsTheTable()
    {
        Skip.If(Nft.Path is null, "nft (Debian package nftables) is not installed");
        Skip.If(Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal) && !Nft.IsRoot(), "loading a ruleset needs root (network namespaces)");
        var ns = $"sy-test-{Guid.NewGuid().ToString("N")[..10]}";
        var (added, addOutput) = Nft.Run("ip", $"netns add {ns}");
        Skip.If(added != 0, $"cannot create a network namespace: {addOutput}");
        try
        {
            var text = NftablesRenderer.Render(TestCluster.Index(Policies));
            var file = Path.Combine(Path.GetTempPath(), $"{ns}.nft");
            File.WriteAllText(file, text);
            var (loaded, loadOutput) = Nft.Run("ip", $"netns exec {ns} nft -f {file}");
            File.Delete(file);
            Assert.True(loaded == 0, loadOutput);
            var (listed, ruleset) = Nft.Run("ip", $"netns exec {ns} nft list ruleset");
            Assert.Equal(0, listed);
            Assert.Contains("table inet switchyard_policy", ruleset, StringComparison.Ordinal);
            Assert.Contains("chain ingress_id", ruleset, StringComparison.Ordinal);
            Assert.Contains("10.0.1.1 : 0x0000000", ruleset, StringComparison.Ordinal);
        }
        finally
        {
            Nft.Run("ip", $"netns del {ns}");
        }
    }
}

internal static class Nft
{
    public static string? Path { get; } = new[] { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" }.FirstOrDefault(File.Exists);

    public static bool IsRoot() => Run("id", "-u").Output.Trim() == "0";

    public static (int Code, string Output) Check(string ruleset)
    {
        var file = System.IO.Path.GetTempFileName();
        File.WriteAllText(file, ruleset);
        try
        {
            return Run(Path!, $"-c -f {file}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static (int Code, string Output) Run(string command, string arguments)
    {
        var psi = new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}
