namespace Switchyard.Proxy.NodeProxy;

/// <summary>Settings of the node proxy; validated once when it is built and copied, so later changes have no effect.</summary>
public sealed record NodeProxyOptions
{
    /// <summary>How long one connect to an endpoint may take before the next endpoint is tried. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Endpoints tried for one client connection before it is closed. Default 3.</summary>
    public int MaxConnectAttempts { get; init; } = 3;

    /// <summary>Proxied connections open at once, over all services; more are refused (closed at once). Default 4096.</summary>
    public int MaxConnections { get; init; } = 4096;

    /// <summary>
    /// Bind only cluster IPs inside 127.0.0.0/8 or ::1, which need no root and no interface setup.
    /// Default true; other cluster IPs are skipped with a log line.
    /// </summary>
    public bool LoopbackOnly { get; init; } = true;

    /// <summary>How often listeners that failed to bind (port taken) are tried again. Default 5 s.</summary>
    public TimeSpan RebindInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (ConnectTimeout <= TimeSpan.Zero) errors.Add($"{nameof(ConnectTimeout)} must be positive");
        if (MaxConnectAttempts < 1) errors.Add($"{nameof(MaxConnectAttempts)} must be at least 1, not {MaxConnectAttempts}");
        if (MaxConnections < 1) errors.Add($"{nameof(MaxConnections)} must be at least 1, not {MaxConnections}");
        if (RebindInterval <= TimeSpan.Zero) errors.Add($"{nameof(RebindInterval)} must be positive");
        if (errors.Count > 0) throw new ArgumentException("invalid node proxy options: " + string.Join("; ", errors));
    }
}
