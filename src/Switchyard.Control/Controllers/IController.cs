using Switchyard.Store;

namespace Switchyard.Control.Controllers;

/// <summary>
/// A control loop: watches the store and writes back through it until cancelled. It returns only
/// when <paramref name="cancellationToken"/> fires; anything else (an exception, an early return) is a
/// failure that <see cref="ControllerHost"/> logs and answers with a restart after a back-off.
/// </summary>
public interface IController
{
    /// <summary>A short name for logs ("endpointslice").</summary>
    string Name { get; }

    Task RunAsync(IResourceStore store, CancellationToken cancellationToken);
}
