using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Switchyard.Proxy.ClientIp;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// Kestrel's application for one bind address, without the generic host's middleware pipeline: each request reads
/// the current snapshot once, finds its listener, takes the client's address from X-Forwarded-For when the listener
/// has client IP detection (<see cref="ForwardedClient"/>; listeners without it skip this, one null check) and runs the
/// <see cref="RequestHandler"/>. Contexts are reused per connection.
/// </summary>
internal sealed class ProxyApplication(IPEndPoint bind, ProxyRuntime runtime, RequestHandler handler) : IHttpApplication<ProxyApplication.Context>
{
    public sealed class Context
    {
        private string? _peer;
        private ForwardedClient? _forwarded;

        public required DefaultHttpContext Http { get; init; }

        /// <summary>
        /// The connection's peer address as text (the PROXY protocol header's source, if any), made once per connection
        /// (a context lives as long as its connection). Read at the start of a request, before <see cref="ClientBehind"/>
        /// may change the request's remote address.
        /// </summary>
        public string? Peer => _peer ??= Http.Connection.RemoteIpAddress?.ToString();

        /// <summary>This request's client on a listener with <paramref name="detection"/>.</summary>
        public string? ClientBehind(ClientIpDetection detection)
        {
            var peer = Peer;
            return Http.Connection.RemoteIpAddress is { } address ? (_forwarded ??= new ForwardedClient()).Resolve(Http, address, peer, detection) : peer;
        }
    }

    public Context CreateContext(IFeatureCollection contextFeatures)
    {
        if (contextFeatures is IHostContextContainer<Context> container)
        {
            if (container.HostContext is { } reused)
            {
                reused.Http.Initialize(contextFeatures);
                return reused;
            }
            var created = new Context { Http = new DefaultHttpContext(contextFeatures) };
            container.HostContext = created;
            return created;
        }
        return new Context { Http = new DefaultHttpContext(contextFeatures) };
    }

    public Task ProcessRequestAsync(Context context)
    {
        var listener = runtime.View.Current.Listeners.GetValueOrDefault(bind);
        var peer = context.Peer;
        return handler.HandleAsync(context.Http, listener, peer, listener?.ClientIpDetection is { } detection ? context.ClientBehind(detection) : peer).AsTask();
    }

    public void DisposeContext(Context context, Exception? exception) => context.Http.Uninitialize();
}
