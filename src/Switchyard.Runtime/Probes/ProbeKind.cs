namespace Switchyard.Runtime.Probes;

public enum ProbeKind
{
    /// <summary>Gates the others; failing it kills the container.</summary>
    Startup,
    /// <summary>Decides whether the container serves (Ready).</summary>
    Readiness,
    /// <summary>Failing it restarts the container.</summary>
    Liveness,
}
