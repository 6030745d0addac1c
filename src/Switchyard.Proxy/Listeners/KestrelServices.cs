using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// The application services a stand-alone <see cref="Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServer"/> needs
/// for <c>ListenOptions.UseHttps</c>, which resolves Kestrel's own services (its metrics among them) from
/// <c>KestrelServerOptions.ApplicationServices</c>. Kestrel registers them with its public <c>UseKestrelCore</c>;
/// an empty application builder collects them, and no host is built or started.
/// </summary>
internal static class KestrelServices
{
    public static ServiceProvider Create(ILoggerFactory loggers)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddSingleton(loggers).AddLogging();
        return builder.Services.BuildServiceProvider();
    }
}
