using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchyard.Model.Networking;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// Authorization layer of a route rule, from the <c>authorization</c> of its HTTPTrafficFilter (Envoy Gateway's
/// SecurityPolicy <c>authorization</c>). It runs right after authentication, so the headers it reads are the ones the
/// gateway left (claim and user-name headers set by it, the client's copies removed) and its JWT principal is the
/// provider that accepted the token. Rules in order; the first whose every part matches decides; else the default
/// action. A denial is a 403 naming the rule (or the default), with reason <c>authz_rule</c> or <c>authz_default</c>.
/// </summary>
internal sealed class RuleAuthorization(IReadOnlyList<AuthorizationRule> rules, bool defaultAllow)
{
    public IReadOnlyList<AuthorizationRule> Rules => rules;

    /// <summary>Null when the request may go on; otherwise the 403 to answer.</summary>
    /// <param name="identity">The provider and token that authenticated the request; null when no token did.</param>
    public AuthRefusal? Authorize(HttpContext context, JwtIdentity? identity)
    {
        JsonDocument? payload = null;
        try
        {
            foreach (var rule in rules)
            {
                if (!rule.Matches(context, identity, ref payload)) continue;
                return rule.Allow ? null : new AuthRefusal(403, $"authorization: denied by rule {rule.Name}", null, "authz_rule");
            }
            return defaultAllow ? null : new AuthRefusal(403, "authorization: denied: no rule matched and defaultAction is Deny", null, "authz_default");
        }
        finally
        {
            payload?.Dispose();
        }
    }
}

/// <summary>The provider that accepted a request's token, and the token.</summary>
internal readonly record struct JwtIdentity(string Provider, JsonWebToken Token);

/// <summary>One compiled authorization rule: each part is null when the rule does not name it (it then matches anything).</summary>
internal sealed class AuthorizationRule
{
    public required string Name { get; init; }

    public required bool Allow { get; init; }

    /// <summary>HTTP methods, upper case.</summary>
    public string[]? Methods { get; init; }

    public IpPrefix[]? ClientCidrs { get; init; }

    /// <summary>The provider that must have accepted the token when the rule names claims or scopes.</summary>
    public string? JwtProvider { get; init; }

    public ClaimMatch[] Claims { get; init; } = [];

    public string[] Scopes { get; init; } = [];

    public (string Name, string[] Values)[]? Headers { get; init; }

    public bool Matches(HttpContext context, JwtIdentity? identity, ref JsonDocument? payload)
    {
        var request = context.Request;
        if (Methods is not null && Array.IndexOf(Methods, request.Method) < 0) return false;
        if (ClientCidrs is not null && !InCidrs(ClientAddress.Of(context))) return false;
        if (Headers is not null)
        {
            foreach (var (name, values) in Headers)
            {
                var field = request.Headers[name];
                if (field.Count == 0 || Array.IndexOf(values, field.Count == 1 ? field[0] : field.ToString()) < 0) return false;
            }
        }
        if (JwtProvider is null) return true;
        if (identity is not { } id || id.Provider != JwtProvider) return false;
        payload ??= JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(id.Token.EncodedPayload));
        var root = payload.RootElement;
        foreach (var claim in Claims)
        {
            if (!claim.Matches(root)) return false;
        }
        return Scopes.Length == 0 || HasScopes(root);
    }

    private bool InCidrs(System.Net.IPAddress? address)
    {
        if (address is null) return false;
        foreach (var cidr in ClientCidrs!)
        {
            if (cidr.Contains(address)) return true;
        }
        return false;
    }

    /// <summary>The token's <c>scope</c> claim (space-separated, RFC 6749 3.3; an array of strings is read too) holds every scope of the rule.</summary>
    private bool HasScopes(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("scope", out var scope)) return false;
        var held = new HashSet<string>(StringComparer.Ordinal);
        if (scope.ValueKind == JsonValueKind.String) held.UnionWith(scope.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        else if (scope.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in scope.EnumerateArray())
            {
                if (s.ValueKind == JsonValueKind.String) held.Add(s.GetString()!);
            }
        }
        return Scopes.All(held.Contains);
    }
}

/// <summary>A claim (a dotted path) that must be a string equal to one of the values, or (array) an array holding one of them.</summary>
internal sealed class ClaimMatch(string name, bool array, string[] values)
{
    private readonly string[] _path = name.Split('.');

    public bool Matches(JsonElement root)
    {
        var e = root;
        foreach (var part in _path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e)) return false;
        }
        if (!array) return e.ValueKind == JsonValueKind.String && Array.IndexOf(values, e.GetString()) >= 0;
        if (e.ValueKind != JsonValueKind.Array) return false;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && Array.IndexOf(values, item.GetString()) >= 0) return true;
        }
        return false;
    }
}
