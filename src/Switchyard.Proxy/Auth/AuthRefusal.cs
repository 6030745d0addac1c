using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// A request refused by authentication or authorization: the status (401, 403), the error text for
/// <c>x-switchyard-error</c> and the access log, the <c>WWW-Authenticate</c> challenge (none for 403), and the reason
/// label of <c>switchyard_proxy_auth_refused_total</c>.
/// </summary>
internal readonly record struct AuthRefusal(int Status, string Error, string? Challenge, string Reason);

/// <summary>The realm of a challenge: the configured one, else the request's host (when it is safe to quote).</summary>
internal static class Realm
{
    public static string Of(string? configured, HttpRequest request)
    {
        if (configured is not null) return configured;
        var host = request.Host.Host;
        return host.Length is > 0 and <= 253 && !host.AsSpan().ContainsAnyExceptInRange(' ', '~') && !host.Contains('"', StringComparison.Ordinal)
            && !host.Contains('\\', StringComparison.Ordinal) ? host : "switchyard";
    }
}
