using System.Net;
using Switchyard.Runtime.Network;

namespace Switchyard.Runtime;

/// <summary>
/// Settings of the local runtime (the node agent that runs Pods as processes). Validated once by
/// <see cref="PodRuntime"/>, which copies them: later changes by the caller have no effect.
/// </summary>
public sealed record RuntimeOptions
{
    /// <summary>The one node of a local cluster. Pods with an empty <c>spec.nodeName</c> are bound to it. Default "local".</summary>
    public string NodeName { get; init; } = "local";

    /// <summary>
    /// The range pod IPs come from. Default 127.64.0.0/12, inside 127.0.0.0/8 (all loopback on Linux, so a
    /// process binds its pod IP without root), disjoint from the default Service range 127.96.0.0/12.
    /// </summary>
    public string PodCidr { get; init; } = "127.64.0.0/12";

    /// <summary>Reported as <c>status.hostIP</c>. Default 127.0.0.1.</summary>
    public string HostIP { get; init; } = "127.0.0.1";

    /// <summary>Where pod directories (log files, pid files) live: <c>&lt;StateDirectory&gt;/pods/&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;/</c>. Required.</summary>
    public string StateDirectory { get; init; } = "";

    /// <summary>Working directory of containers without <c>workingDir</c>. Null: the current directory of the runtime process.</summary>
    public string? DefaultWorkingDirectory { get; init; }

    /// <summary>
    /// Whether containers start with the runtime's own environment (PATH, HOME, ...) under the variables the pod
    /// defines. There are no images to bring an environment, so the default is true.
    /// </summary>
    public bool InheritEnvironment { get; init; } = true;

    /// <summary>
    /// Directories put in front of containers' PATH, so that programs the host provides (the <c>switchyard</c>
    /// command itself, for <c>switchyard demo-app</c>) run without an image. Default: none.
    /// </summary>
    public IReadOnlyList<string> PathPrefix { get; init; } = [];

    /// <summary>The cluster DNS address ("127.0.0.1:10053"), given to containers as <c>SWITCHYARD_DNS</c>. Null: not set.</summary>
    public string? DnsAddress { get; init; }

    /// <summary>First restart delay of a container that exited (doubles per restart). Default 10 s, as the kubelet.</summary>
    public TimeSpan BackOffInitial { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest restart delay. Default 5 min.</summary>
    public TimeSpan BackOffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A container that ran this long before exiting restarts without delay history. Default 10 min.</summary>
    public TimeSpan BackOffReset { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long stopping the runtime (the end of <c>up</c>) may take in total: pods get their preStop hooks and
    /// SIGTERM, and whatever still runs when this budget is spent gets SIGKILL. Default 30 s.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(NodeName)) errors.Add("NodeName: must not be empty");
        if (!Ipv4Range.TryParse(PodCidr, out var range, out var cidrError)) errors.Add($"PodCidr: {cidrError}");
        else if (range!.UsableCount < 1) errors.Add($"PodCidr: {PodCidr} has no usable address");
        if (!IPAddress.TryParse(HostIP, out _)) errors.Add($"HostIP: \"{HostIP}\" is not an IP address");
        if (string.IsNullOrWhiteSpace(StateDirectory)) errors.Add("StateDirectory: required (pod logs and pid files live there)");
        if (BackOffInitial <= TimeSpan.Zero) errors.Add("BackOffInitial: must be positive");
        if (BackOffMax < BackOffInitial) errors.Add("BackOffMax: must be at least BackOffInitial");
        if (BackOffReset <= TimeSpan.Zero) errors.Add("BackOffReset: must be positive");
        if (ShutdownTimeout <= TimeSpan.Zero) errors.Add("ShutdownTimeout: must be positive");
        return errors;
    }
}
