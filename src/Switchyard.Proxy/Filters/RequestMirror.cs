using Switchyard.Proxy.Backends;
using Switchyard.Proxy.LoadBalancing;

namespace Switchyard.Proxy.Filters;

/// <summary>
/// RequestMirror (Gateway API Extended): a copy of each matching request, or of a fraction of them, goes to
/// <see cref="Backend"/>; its answer is ignored. Sent by <see cref="Forwarding.MirrorSender"/>.
/// </summary>
internal sealed class RequestMirror(Backend backend, int numerator, int denominator)
{
    public Backend Backend => backend;

    /// <summary>True for the requests to copy: numerator out of denominator, at random.</summary>
    public bool Sampled(IRandomSource random) => numerator >= denominator || (numerator > 0 && random.Next(denominator) < numerator);
}
