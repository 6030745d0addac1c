using System.Net.Sockets;

namespace Switchyard.Cli.Commands.Up;

/// <summary>Why an address could not be bound, in the words of the socket error ("Address already in use").</summary>
internal static class BindFailure
{
    /// <summary>
    /// The socket error under <paramref name="e"/> (Kestrel wraps it: IOException "Failed to bind to address ...", then
    /// AddressInUseException, then the SocketException), or null when there is none.
    /// </summary>
    public static SocketException? SocketCause(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket) return socket;
        }
        return null;
    }

    /// <summary>The socket error's message when there is one, else the exception's own.</summary>
    public static string Reason(Exception e) => SocketCause(e)?.Message ?? e.Message;
}
