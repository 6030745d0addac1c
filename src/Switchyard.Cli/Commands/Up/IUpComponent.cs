using Microsoft.Extensions.Hosting;
using Switchyard.Control.Admission;
using Switchyard.Store;

namespace Switchyard.Cli.Commands.Up;

/// <summary>
/// One part of what <c>switchyard up</c> runs next to the API server: controllers today; DNS, the
/// gateway and the local runtime later. A component prepares itself against the opened store and
/// contributes admission plugins, background loops, hosted services and lines for the startup summary.
/// </summary>
internal interface IUpComponent
{
    string Name { get; }

    ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken);
}

/// <summary>What components see and add to while <c>up</c> composes the control plane.</summary>
internal sealed class UpComponentContext(IResourceStore store, UpSettings settings)
{
    public IResourceStore Store { get; } = store;
    public UpSettings Settings { get; } = settings;
    public List<IAdmissionPlugin> AdmissionPlugins { get; } = [];
    public List<Func<IResourceStore, CancellationToken, Task>> BackgroundLoops { get; } = [];
    public List<IHostedService> HostedServices { get; } = [];

    /// <summary>
    /// "Label: value" lines printed in the summary after the API line ("DNS: 127.0.0.53:53"). Each value is asked for once
    /// every component started, so it can name what was really bound (the port that 0 picked).
    /// </summary>
    public List<(string Label, Func<string> Value)> Summary { get; } = [];
}

/// <summary>
/// A component could not start for a reason the user can fix, such as an address a flag names being taken; the message
/// names the flag. <c>up</c> prints it and exits 1.
/// </summary>
internal sealed class UpComponentException(string message, Exception? innerException = null) : Exception(message, innerException);
