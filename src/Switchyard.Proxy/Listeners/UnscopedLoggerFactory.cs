using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// Kestrel's loggers, without logging scopes. Kestrel opens a scope for each connection (its id); with a console
/// logger present, that scope lives in an <see cref="AsyncLocal{T}"/>, so every connection's execution context is no
/// longer the default one, and every await of every request on it saves and restores that context (about 500
/// instructions per proxied request, counted with bench/proxy/instructions.sh). The proxy's log lines do not print
/// scopes, so dropping them loses nothing; Kestrel's messages still carry the connection id in their text.
/// </summary>
internal sealed class UnscopedLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Unscoped(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The inner factory is the caller's: it is not disposed here.</summary>
    public void Dispose()
    {
    }

    private sealed class Unscoped(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
