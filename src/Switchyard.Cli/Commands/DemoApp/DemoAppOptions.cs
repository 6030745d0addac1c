using System.Net;

namespace Switchyard.Cli.Commands.DemoApp;

/// <summary>The settings of one demo app process, resolved from flags and the pod's environment.</summary>
internal sealed record DemoAppOptions
{
    public required IPEndPoint Listen { get; init; }
    public string Pod { get; init; } = "";
    public string Namespace { get; init; } = "default";
    public string Version { get; init; } = "";
    public LatencySpec Latency { get; init; } = LatencySpec.None;

    /// <summary>Fraction of requests (0–1) answered 500 on purpose.</summary>
    public double ErrorRate { get; init; }

    public IReadOnlyList<Uri> Upstreams { get; init; } = [];

    /// <summary>Cluster DNS server used to resolve upstream names; null: the system resolver.</summary>
    public IPEndPoint? Dns { get; init; }

    /// <summary>Search domains tried for short names, as in a pod's resolv.conf.</summary>
    public IReadOnlyList<string> SearchDomains { get; init; } = [];

    /// <summary>How long one upstream call may take. Default 5 s.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<string> SearchPath(string ns, string zone = "cluster.local") =>
        [$"{ns}.svc.{zone}", $"svc.{zone}", zone];
}
