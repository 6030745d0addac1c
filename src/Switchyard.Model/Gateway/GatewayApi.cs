namespace Switchyard.Model.Gateway;

/// <summary>
/// Names and well-known values of the Gateway API (gateway.networking.k8s.io). Fields stay strings in the
/// resource classes so any manifest decodes and validation can name a bad value; these constants are the
/// values the validators accept and the defaults they fill in.
/// </summary>
public static class GatewayApi
{
    public const string Group = "gateway.networking.k8s.io";

    public static class Protocols
    {
        public const string HTTP = "HTTP";
        public const string HTTPS = "HTTPS";
        public const string TLS = "TLS";
        public const string TCP = "TCP";
        public const string UDP = "UDP";
    }

    public static class TlsModes
    {
        public const string Terminate = "Terminate";
        public const string Passthrough = "Passthrough";
    }

    /// <summary>How a Gateway treats a client certificate that is missing or fails validation.</summary>
    public static class FrontendValidationModes
    {
        public const string AllowValidOnly = "AllowValidOnly";
        public const string AllowInsecureFallback = "AllowInsecureFallback";
    }

    public static class FromNamespaces
    {
        public const string All = "All";
        public const string Selector = "Selector";
        public const string Same = "Same";

        /// <summary>Only for a Gateway's allowedListeners (its default): no ListenerSet may attach.</summary>
        public const string None = "None";
    }

    public static class AddressTypes
    {
        public const string IPAddress = "IPAddress";
        public const string Hostname = "Hostname";
        public const string NamedAddress = "NamedAddress";
    }

    public static class PathMatchTypes
    {
        public const string Exact = "Exact";
        public const string PathPrefix = "PathPrefix";
        public const string RegularExpression = "RegularExpression";
    }

    /// <summary>Match types of header and query parameter matches.</summary>
    public static class ValueMatchTypes
    {
        public const string Exact = "Exact";
        public const string RegularExpression = "RegularExpression";
    }

    /// <summary>Match types of a GRPCRoute method match.</summary>
    public static class GrpcMethodMatchTypes
    {
        public const string Exact = "Exact";
        public const string RegularExpression = "RegularExpression";
    }

    public static class FilterTypes
    {
        public const string RequestHeaderModifier = "RequestHeaderModifier";
        public const string ResponseHeaderModifier = "ResponseHeaderModifier";
        public const string RequestMirror = "RequestMirror";
        public const string RequestRedirect = "RequestRedirect";
        public const string URLRewrite = "URLRewrite";
        public const string ExtensionRef = "ExtensionRef";
        public const string CORS = "CORS";
        public const string ExternalAuth = "ExternalAuth";
    }

    /// <summary>How an ExternalAuth filter talks to its authorization service.</summary>
    public static class ExternalAuthProtocols
    {
        /// <summary>Envoy's ext_authz gRPC API (envoy.service.auth.v3.Authorization/Check).</summary>
        public const string GRPC = "GRPC";

        /// <summary>A plain HTTP request per checked request; 200 allows it.</summary>
        public const string HTTP = "HTTP";
    }

    public static class PathModifierTypes
    {
        public const string ReplaceFullPath = "ReplaceFullPath";
        public const string ReplacePrefixMatch = "ReplacePrefixMatch";
    }

    public static class SessionPersistenceTypes
    {
        public const string Cookie = "Cookie";
        public const string Header = "Header";
    }

    public static class CookieLifetimeTypes
    {
        public const string Permanent = "Permanent";
        public const string Session = "Session";
    }

    public static readonly IReadOnlyList<string> HttpMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

    public static readonly IReadOnlyList<int> RedirectStatusCodes = [301, 302, 303, 307, 308];
}
