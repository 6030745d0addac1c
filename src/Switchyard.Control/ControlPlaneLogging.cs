using Microsoft.Extensions.Logging;

namespace Switchyard.Control;

/// <summary>
/// The control plane's logging: the caller's factory, or concise single-line console logs (ASP.NET Core's own messages
/// only from Warning up); either way without the host's "Hosting failed to start" error. That failure (Kestrel cannot bind
/// the API address, a hosted service cannot start) is the exception <see cref="ControlPlaneServer.StartAsync"/> throws,
/// which its caller reports — <c>switchyard up</c> as one line naming the flag. Logged as well, it would print the same
/// failure a second time, with a stack trace. Every other message, the host's included, passes.
/// </summary>
internal sealed class ControlPlaneLogging : ILoggerFactory
{
    /// <summary>The logger category of Microsoft.Extensions.Hosting's host.</summary>
    internal const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>The event the host logs, then throws, when a hosted service fails to start.</summary>
    internal const string StartupFaultedEvent = "HostedServiceStartupFaulted";

    private readonly ILoggerFactory _inner;
    private readonly bool _owned;

    private ControlPlaneLogging(ILoggerFactory inner, bool owned)
    {
        _inner = inner;
        _owned = owned;
    }

    /// <summary><see cref="ControlPlaneOptions.LoggerFactory"/>, left to its owner, or the default console logs, owned.</summary>
    public static ControlPlaneLogging For(ControlPlaneOptions options) => options.LoggerFactory is { } given
        ? new ControlPlaneLogging(given, owned: false)
        : new ControlPlaneLogging(LoggerFactory.Create(b => b
            .AddSimpleConsole(c =>
            {
                c.SingleLine = true;
                c.TimestampFormat = "HH:mm:ss ";
            })
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)), owned: true);

    public ILogger CreateLogger(string categoryName)
    {
        var logger = _inner.CreateLogger(categoryName);
        return categoryName == HostCategory ? new WithoutStartupFault(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    public void Dispose()
    {
        if (_owned) _inner.Dispose();
    }

    private sealed class WithoutStartupFault(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name == StartupFaultedEvent) return;
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
