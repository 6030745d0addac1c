using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Switchyard.Control.Api;

/// <summary>
/// Every request needs <c>Authorization: Bearer &lt;token&gt;</c>, reads included (resources may hold
/// Secrets), except the unauthenticated probes <c>/healthz</c>, <c>/livez</c>, <c>/readyz</c> and <c>/version</c>.
/// The token is compared in constant time (hashes of equal length), so timing reveals nothing of it.
/// </summary>
internal sealed class BearerTokenAuthentication(string token)
{
    private static readonly string[] Open = ["/healthz", "/livez", "/readyz", "/version"];

    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool IsOpen(PathString path) =>
        Open.Any(p => path.Equals(p, StringComparison.Ordinal));

    public bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (IsOpen(context.Request.Path) || IsAuthorized(context.Request))
        {
            await next();
            return;
        }
        await ApiResponses.WriteStatusAsync(context, ApiStatus.Unauthorized());
    }
}
