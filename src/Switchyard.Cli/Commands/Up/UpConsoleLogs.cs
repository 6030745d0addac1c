using Microsoft.Extensions.Logging;

namespace Switchyard.Cli.Commands.Up;

/// <summary>The console logs of <c>up</c>'s components when no logger factory is given: one line each, with the time, as the control plane's.</summary>
internal static class UpConsoleLogs
{
    /// <summary>A factory the caller owns (and disposes), writing <paramref name="minimum"/> and above.</summary>
    public static ILoggerFactory Create(LogLevel minimum) => LoggerFactory.Create(b => b
        .AddSimpleConsole(c =>
        {
            c.SingleLine = true;
            c.TimestampFormat = "HH:mm:ss ";
        })
        .SetMinimumLevel(minimum));
}
