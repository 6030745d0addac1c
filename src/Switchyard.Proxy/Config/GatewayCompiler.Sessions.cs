using Switchyard.Model.Gateway;
using Switchyard.Model.Validation;
using Switchyard.Model.Validation.Gateway;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Sessions;

namespace Switchyard.Proxy.Config;

/// <summary>
/// A rule's <c>sessionPersistence</c> (HTTPRoute and GRPCRoute): checked again with the model's rules (an object read
/// without validation must not half work), then what this proxy cannot honour: a zero timeout, a sessionName that is
/// not a cookie or header name, a header the proxy itself manages, a Permanent lifetime on a header. Each problem is a
/// rule error, so the route is Accepted=False/UnsupportedValue naming the field, and keeps serving its last accepted version.
/// </summary>
internal sealed partial class GatewayCompiler
{
    /// <summary>The key session tokens are sealed with (the process's own, or the Secret's of ProxyOptions.SessionKeySecret); null: sessionPersistence is refused as unsupported.</summary>
    public SessionKey? Sessions { get; init; }

    /// <summary>Headers a Header session may not be named: the proxy frames, routes, forwards or answers with them itself.</summary>
    private static readonly string[] ReservedSessionHeaders =
        ["Host", "Cookie", "Set-Cookie", "Content-Type", RequestHandler.ErrorHeader, .. FramingHeaders, .. ProxySetHeaders];

    private SessionPersistenceConfig? CompileSession(SessionPersistence sp, string ruleName, int ri, IEnumerable<Backend> backends, List<string> errors)
    {
        var path = $"spec.rules[{ri}].sessionPersistence";
        var problems = new List<FieldError>(SessionPersistenceRules.Validate(sp, path));
        var carrier = sp.Type == GatewayApi.SessionPersistenceTypes.Header ? SessionCarrier.Header : SessionCarrier.Cookie;
        var name = sp.SessionName ?? SessionPersistenceConfig.DefaultName(ruleName);
        var namePath = $"{path}.sessionName";
        if (!IsToken(name))
            problems.Invalid(namePath, name, $"must be a {(carrier == SessionCarrier.Cookie ? "cookie" : "header")} name: letters, digits and !#$%&'*+-.^_`|~");
        else if (carrier == SessionCarrier.Header && (HopByHop.Is(name) || ReservedSessionHeaders.Contains(name, StringComparer.OrdinalIgnoreCase) || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)))
            problems.Invalid(namePath, name, "the proxy manages this header itself; choose another name");
        var absolute = Positive(sp.AbsoluteTimeout, $"{path}.absoluteTimeout", problems);
        var idle = Positive(sp.IdleTimeout, $"{path}.idleTimeout", problems);
        var permanent = sp.CookieConfig?.LifetimeType == GatewayApi.CookieLifetimeTypes.Permanent;
        if (permanent && carrier == SessionCarrier.Header)
            problems.Invalid($"{path}.cookieConfig.lifetimeType", GatewayApi.CookieLifetimeTypes.Permanent, "applies to type Cookie only: a header has no expiry (use absoluteTimeout)");
        if (Sessions is null) problems.Add(new FieldError(path, $"not supported by {ControllerName} here"));
        if (problems.Count > 0)
        {
            errors.Add($"rule {ri}: {string.Join("; ", problems.Distinct())}");
            return null;
        }
        return new SessionPersistenceConfig(carrier, name, absolute, idle, permanent, Sessions!.ForRule(ruleName, name), backends);
    }

    /// <summary>A timeout that parses (the model's rules report one that does not) and is more than zero; null when absent.</summary>
    private static TimeSpan? Positive(string? text, string path, List<FieldError> problems)
    {
        if (text is null || !GatewayDuration.TryParse(text, out var value)) return null;
        if (value <= TimeSpan.Zero) problems.Invalid(path, text, "must be more than 0s: a session that is over at once persists nothing");
        return value;
    }

    /// <summary>An HTTP token (RFC 9110 §5.6.2), which cookie and header names must be.</summary>
    internal static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
