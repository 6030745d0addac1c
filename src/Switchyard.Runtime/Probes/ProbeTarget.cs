using System.Globalization;
using k8s.Models;

namespace Switchyard.Runtime.Probes;

/// <summary>Where a probe or hook of one container runs: the pod IP, the container's ports, environment and directory.</summary>
internal sealed record ProbeTarget(string PodIp, V1Container Container, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory)
{
    /// <summary>A port number, or a named port of the container; null with an error when it names none.</summary>
    public (int? Port, string? Error) ResolvePort(IntOrString? port)
    {
        var text = port?.Value ?? "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return (n, null);
        var named = Container.Ports?.FirstOrDefault(p => p.Name == text);
        return named is not null ? (named.ContainerPort, null) : (null, $"port \"{text}\" is not a named port of container {Container.Name}");
    }
}

/// <summary>The outcome of one probe or hook run.</summary>
internal readonly record struct ProbeOutcome(bool Success, string Message)
{
    public static ProbeOutcome Ok(string message = "") => new(true, message);

    public static ProbeOutcome Fail(string message) => new(false, message);
}
