using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// Kestrel's application for one bind address, without the generic host's middleware pipeline: each request reads
/// the current snapshot once, finds its listener and runs the <see cref="RequestHandler"/>. Contexts are reused
/// per connection.
/// </summary>
internal sealed class ProxyApplication(IPEndPoint bind, ProxyRuntime runtime, RequestHandler handler) : IHttpApplication<ProxyApplication.Context>
{
    public sealed class Context
    {
        private string? _client;

        public required DefaultHttpContext Http { get; init; }

        /// <summary>The client's address as text, made once per connection (a context lives as long as its connection).</summary>
        public string? Client => _client ??= Http.Connection.RemoteIpAddress?.ToString();
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

    public Task ProcessRequestAsync(Context context) =>
        handler.HandleAsync(context.Http, runtime.View.Current.Listeners.GetValueOrDefault(bind), context.Client);

    public void DisposeContext(Context context, Exception? exception) => context.Http.Uninitialize();
}
