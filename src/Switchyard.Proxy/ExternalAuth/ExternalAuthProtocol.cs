namespace Switchyard.Proxy.ExternalAuth;

/// <summary>How an ExternalAuth filter asks its authorization service (the filter's <c>protocol</c>).</summary>
internal enum ExternalAuthProtocol
{
    /// <summary>Plain HTTP: the request's head goes to the service; a 200 allows (<see cref="AuthRequest"/>, <see cref="AuthAnswer"/>).</summary>
    Http,

    /// <summary>
    /// Envoy's ext_authz gRPC API, <c>envoy.service.auth.v3.Authorization/Check</c> over HTTP/2: a CheckRequest
    /// describes the request; status code 0 allows (<see cref="GrpcAuthRequest"/>, <see cref="GrpcAuthAnswer"/>).
    /// </summary>
    Grpc,
}
