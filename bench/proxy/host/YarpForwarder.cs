using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Yarp.ReverseProxy.Forwarder;

namespace ProxyBenchHost;

/// <summary>The YARP alternative measured for docs/decisions/0006-proxy-forwarder.md: IHttpForwarder over a tuned SocketsHttpHandler.</summary>
internal sealed class YarpForwarder : IUpstreamForwarder
{
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    });
    private readonly ForwarderRequestConfig _config = new() { ActivityTimeout = TimeSpan.FromSeconds(100) };

    public YarpForwarder()
    {
        var services = new ServiceCollection().AddLogging().AddHttpForwarder().BuildServiceProvider();
        _forwarder = services.GetRequiredService<IHttpForwarder>();
    }

    public async ValueTask<ForwardResult> ForwardAsync(HttpContext context, EndpointState endpoint, ForwardPlan plan, CancellationToken cancellationToken)
    {
        var error = await _forwarder.SendAsync(context, "http://" + endpoint.Name, _client, _config, HttpTransformer.Empty, cancellationToken);
        return error switch
        {
            ForwarderError.None => ForwardResult.Ok(context.Response.StatusCode),
            ForwarderError.Request when !context.Response.HasStarted => new(ForwardOutcome.ConnectFailed, 0, error.ToString()),
            _ => new(ForwardOutcome.ResponseAborted, context.Response.StatusCode, error.ToString()),
        };
    }
}
