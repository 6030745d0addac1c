using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Tests.Pipeline;

/// <summary>
/// The proxy's own error answers: the x-switchyard-error header carries only what Kestrel accepts in a header value;
/// on a GRPCRoute rule the answer is gRPC trailers-only, on any other rule the HTTP status itself.
/// </summary>
public sealed class ErrorAnswerTests
{
    [Theory]
    [InlineData("backend default/web:80: no ready endpoints", "backend default/web:80: no ready endpoints")]
    [InlineData("route § 7: café", "route ? 7: caf?")]
    [InlineData("line one\r\nInjected: header", "line one??Injected: header")]
    [InlineData("tab\there", "tab?here")]
    public void HeaderSafe_Text_KeepsPrintableAsciiReplacesTheRest(string text, string expected) =>
        Assert.Equal(expected, RequestHandler.HeaderSafe(text));

    /// <summary>{HTTP status the proxy would answer, grpc-status} from grpc/doc/http-grpc-status-mapping.md.</summary>
    [Theory]
    [InlineData(400, GrpcStatus.Internal)]
    [InlineData(401, GrpcStatus.Unauthenticated)]
    [InlineData(403, GrpcStatus.PermissionDenied)]
    [InlineData(404, GrpcStatus.Unimplemented)]
    [InlineData(429, GrpcStatus.Unavailable)]
    [InlineData(502, GrpcStatus.Unavailable)]
    [InlineData(503, GrpcStatus.Unavailable)]
    [InlineData(504, GrpcStatus.Unavailable)]
    [InlineData(500, GrpcStatus.Unknown)]
    [InlineData(418, GrpcStatus.Unknown)]
    internal void FromHttp_Status_FollowsGrpcMapping(int status, GrpcStatus expected) =>
        Assert.Equal(expected, GrpcStatuses.FromHttp(status));

    [Theory]
    [InlineData("backend default/web:80: no ready endpoints", "backend default/web:80: no ready endpoints")]
    [InlineData("100% busy", "100%25 busy")]
    [InlineData("café\r\n", "caf%C3%A9%0D%0A")]
    public void PercentEncode_Message_EncodesPercentAndNonPrintableUtf8(string text, string expected) =>
        Assert.Equal(expected, GrpcStatuses.PercentEncode(text));

    [Fact]
    public async Task AnswerCall_GrpcCall_IsTrailersOnly()
    {
        var context = Context("stale");
        await RequestHandler.AnswerCall(context, 503, "route r: backend b: no ready endpoints");
        var response = context.Response;
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.Equal("14", response.Headers["grpc-status"].ToString());
        Assert.Equal("route r: backend b: no ready endpoints", response.Headers["grpc-message"].ToString());
        Assert.Equal("route r: backend b: no ready endpoints", response.Headers[RequestHandler.ErrorHeader].ToString());
        Assert.False(response.Headers.ContainsKey("x-stale"));
        Assert.Equal(0, response.Body.Length);
    }

    [Fact]
    public async Task AnswerCall_NoGrpcCall_KeepsHttpStatus()
    {
        // curl on a gRPC service's path is no gRPC client: it gets the HTTP answer, not a 200 it would read as success.
        var context = Context("stale", contentType: "text/plain");
        await RequestHandler.AnswerCall(context, 500, "route r: backend b: service default/b not found");
        var response = context.Response;
        Assert.Equal(500, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.ContentType);
        Assert.False(response.Headers.ContainsKey("grpc-status"));
        Assert.False(response.Headers.ContainsKey("x-stale"));
        Assert.Equal("route r: backend b: service default/b not found\n", System.Text.Encoding.UTF8.GetString(((MemoryStream)response.Body).ToArray()));
    }

    [Theory]
    [InlineData("application/grpc-web")] // gRPC-Web reads HTTP answers (Envoy tells it apart the same way)
    [InlineData("application/grpc-web-text")]
    [InlineData("application/grpcx")]
    public async Task AnswerCall_NotAGrpcCall_KeepsHttpStatus(string contentType)
    {
        var context = Context("stale", contentType);
        await RequestHandler.AnswerCall(context, 503, "route r: backend b: no ready endpoints");
        Assert.Equal(503, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task AnswerCall_GrpcCallWithASuffix_IsTrailersOnly(string contentType)
    {
        var context = Context("stale", contentType);
        await RequestHandler.AnswerCall(context, 404, "no route matches");
        Assert.Equal(("12", 200), (context.Response.Headers["grpc-status"].ToString(), context.Response.StatusCode));
    }

    private static DefaultHttpContext Context(string staleHeader, string contentType = "application/grpc")
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        context.Response.Body = new MemoryStream();
        context.Response.Headers["x-" + staleHeader] = "from a failed attempt";
        return context;
    }

}
