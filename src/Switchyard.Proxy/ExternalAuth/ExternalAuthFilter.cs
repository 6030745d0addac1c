using System.Collections.Frozen;
using Switchyard.Proxy.Backends;

namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// A rule's compiled ExternalAuth filter (Gateway API HTTPExternalAuthFilter, protocol HTTP or GRPC): the authorization
/// service and what goes to it and comes back from it. Immutable; shared by every request of the rule. Sent by
/// <see cref="ExternalAuthClient"/>.
/// </summary>
internal sealed class ExternalAuthFilter
{
    /// <summary>The authorization Service port; carries <see cref="Backend.Error"/> when the reference did not resolve (requests then fail closed).</summary>
    public required Backend Backend { get; init; }

    /// <summary>How the service is asked: plain HTTP (the default) or Envoy's ext_authz gRPC API.</summary>
    public ExternalAuthProtocol Protocol { get; init; }

    /// <summary>
    /// GRPC without grpc.allowedHeaders: every request header goes to the service (the specification: an empty list
    /// sends all); otherwise only <see cref="AllowedRequestHeaders"/>. Always false for HTTP.
    /// </summary>
    public bool SendsAllHeaders { get; init; }

    /// <summary>Put before the request's target: "" (none) or "/a/b" (a leading '/', no trailing one).</summary>
    public string PathPrefix { get; init; } = "";

    /// <summary>
    /// HTTP: request headers sent besides the ones always sent (Authorization, and Host, method, path and
    /// Content-Length through the request itself). GRPC: the only request headers sent (unless <see cref="SendsAllHeaders"/>).
    /// </summary>
    public IReadOnlyList<string> AllowedRequestHeaders { get; init; } = [];

    /// <summary>
    /// Headers of an allowing answer copied onto the upstream request, replacing the client's of the same names
    /// (which are removed even when the answer lacks them); null: every header of the answer but
    /// <see cref="NeverCopied"/>.
    /// </summary>
    public IReadOnlyList<string>? AllowedResponseHeaders { get; init; }

    /// <summary>Bytes of the request body sent to the service (forwardBody.maxSize); 0: none.</summary>
    public int MaxBody { get; init; }

    /// <summary>"default/authz:8080": the service in errors and logs.</summary>
    public string Name => Backend.Name;

    /// <summary>
    /// Headers of an allowing answer that are not copied when every header is (no allowedResponseHeaders): Host (the
    /// specification's exception), the hop-by-hop ones, and those that describe the answer itself rather than the
    /// request: its framing and representation (Content-Length, Content-Type, Content-Encoding, Transfer-Encoding)
    /// and what its server stamps on every answer (Date, Server).
    /// </summary>
    public static readonly FrozenSet<string> NeverCopied = new[]
    {
        "Host", "Content-Length", "Content-Type", "Content-Encoding", "Content-Range", "Transfer-Encoding", "Date", "Server",
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade", "Proxy-Authenticate", "Proxy-Authorization",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Headers that may not be named in allowedResponseHeaders: copied onto a request they would break its framing or its Host.</summary>
    public static readonly string[] NotCopyable = ["Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"];

    /// <summary>The path prefix as sent: a leading '/' added, trailing ones dropped ("/" and "" mean none).</summary>
    public static string NormalizePrefix(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "";
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "" : trimmed[0] == '/' ? trimmed : "/" + trimmed;
    }
}
