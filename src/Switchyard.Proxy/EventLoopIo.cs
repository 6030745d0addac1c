namespace Switchyard.Proxy;

/// <summary>
/// Process-wide switch for the socket engine: run every socket operation's continuation on the epoll thread that
/// completed it, instead of queueing it to the thread pool. The runtime reads the setting once, when the first socket
/// operation starts, and applies it to every socket of the process, so it suits a process that only proxies
/// (<c>switchyard gateway serve</c>): any blocking call in a continuation would stall every connection of that thread.
/// Together with <see cref="ProxyOptions.InlineIo"/> it makes the proxy one event loop per core, like HAProxy and nginx.
/// </summary>
public static class EventLoopIo
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline socket completions on. Call before the process opens its first socket.</summary>
    public static void Enable() => Environment.SetEnvironmentVariable(Variable, "1");
}
