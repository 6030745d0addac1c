namespace Switchyard.Proxy.Auth;

/// <summary>
/// Where a JWT provider's signing keys come from: a key set held in the configuration (<see cref="FixedJwtKeys"/>) or
/// one fetched from the issuer in the background (<see cref="RemoteJwks"/>). The request path only reads
/// <see cref="Current"/>, one volatile read.
/// </summary>
internal abstract class JwtKeySource
{
    /// <summary>The keys to verify with now; null while none has been fetched (tokens are then refused).</summary>
    public abstract JwtKeySet? Current { get; }

    /// <summary>A token named a key id <see cref="Current"/> does not hold: the issuer may have rotated its keys.</summary>
    public virtual void KidNotFound()
    {
    }
}

/// <summary>A key set given inline or in a ConfigMap: it changes only with the configuration.</summary>
internal sealed class FixedJwtKeys(JwtKeySet keys) : JwtKeySource
{
    public override JwtKeySet Current => keys;
}
