using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchyard.Control.Admission;
using Switchyard.Store;

namespace Switchyard.Control;

/// <summary>Settings of one control plane process. Validated once by <see cref="ControlPlaneServer.StartAsync"/>.</summary>
public sealed record ControlPlaneOptions
{
    /// <summary>Default listen address: loopback only, port 7443, plain HTTP.</summary>
    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 7443);

    /// <summary>Where the API server listens. Default 127.0.0.1:7443; port 0 picks a free port (see <see cref="ControlPlaneServer.Url"/>).</summary>
    public IPEndPoint Listen { get; init; } = DefaultListen;

    /// <summary>The state directory, which holds <c>admin.token</c>. Null: the token lives in memory only.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>A token to use instead of the one in the state directory (tests, or a token given on the command line).</summary>
    public string? Token { get; init; }

    /// <summary>The admission chain, run in this order on every write. Default: none.</summary>
    public IReadOnlyList<IAdmissionPlugin> AdmissionPlugins { get; init; } = [];

    /// <summary>Background loops (controllers) started after the server and cancelled when it stops.</summary>
    public IReadOnlyList<Func<IResourceStore, CancellationToken, Task>> BackgroundLoops { get; init; } = [];

    /// <summary>Hosted services started and stopped with the server.</summary>
    public IReadOnlyList<IHostedService> HostedServices { get; init; } = [];

    /// <summary>Logging. Null: concise single-line console logs, ASP.NET Core's own messages only from Warning up.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long stopping waits for requests and background loops to finish. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Every problem with these options, or none.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Listen.Port is < 0 or > 65535) errors.Add($"listen port {Listen.Port} is out of range 0-65535");
        if (StateDirectory is { Length: 0 }) errors.Add("state directory must not be empty (use null for none)");
        if (Token is { } t && (t.Length < 16 || t.Any(char.IsWhiteSpace))) errors.Add("token must be at least 16 characters without whitespace");
        if (ShutdownTimeout <= TimeSpan.Zero) errors.Add("shutdown timeout must be positive");
        return errors;
    }

    /// <summary>Parses "HOST:PORT" ("127.0.0.1:7443", "[::1]:7443", "localhost:7443", ":7443" = loopback) as given to --api.</summary>
    public static bool TryParseListen(string text, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            error = $"invalid address \"{text}\": expected HOST:PORT, e.g. 127.0.0.1:7443";
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        IPAddress? address = host is "" or "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var a) ? a : null;
        if (address is null)
        {
            error = $"invalid address \"{text}\": host must be an IP address or localhost";
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
