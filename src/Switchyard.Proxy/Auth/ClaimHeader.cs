using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// Copies a claim of an accepted token into a request header. A nested claim is named with dots (<c>org.id</c>);
/// strings are copied as they are, numbers and booleans as their JSON text, arrays joined with ',', objects as compact
/// JSON. Text outside printable ASCII (and '%') is percent-encoded as UTF-8, as gRPC does for grpc-message, so the
/// header is always valid. An absent or null claim sets nothing.
/// </summary>
internal sealed class ClaimHeader(string header, string claim)
{
    private readonly string[] _path = claim.Split('.');

    public string Header => header;

    /// <summary>Sets the headers of <paramref name="claims"/> from the token's payload, parsed once for all of them.</summary>
    public static void Apply(IReadOnlyList<ClaimHeader> claims, JsonWebToken token, IHeaderDictionary headers)
    {
        if (claims.Count == 0) return;
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        foreach (var c in claims)
        {
            if (c.Value(payload.RootElement) is { } value) headers[c.Header] = GrpcStatuses.PercentEncode(value);
        }
    }

    private string? Value(JsonElement root)
    {
        var e = root;
        foreach (var name in _path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e)) return null;
        }
        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.Array => Join(e),
            _ => e.GetRawText(),
        };
    }

    private static string Join(JsonElement array)
    {
        var b = new StringBuilder();
        foreach (var item in array.EnumerateArray())
        {
            if (b.Length > 0) b.Append(',');
            b.Append(item.ValueKind == JsonValueKind.String ? item.GetString() : item.GetRawText());
        }
        return b.ToString();
    }
}
