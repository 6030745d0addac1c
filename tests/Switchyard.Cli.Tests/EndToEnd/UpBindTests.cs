using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Switchyard.Cli.Client;

namespace Switchyard.Cli.Tests.EndToEnd;

/// <summary>
/// <c>switchyard up</c> when an address a flag names is taken: exit 1 with the error naming the flag and nothing else at
/// error level — no "Hosting failed to start" from the host, no stack trace (logs go to stderr here, as a console shows
/// them) — and the DNS server, which started before the failing listener, stopped rather than left bound.
/// </summary>
public sealed class UpBindTests
{
    private const string ApiHint = " (is another `switchyard up` running? Pick another address with --api HOST:PORT)";
    private const string NoPod = "\nthe control plane stopped before running any pod";

    [Theory]
    [InlineData("--api", ApiHint)]
    [InlineData("--ingress-http", NoPod)]
    [InlineData("--gateway-admin", NoPod)]
    public async Task Up_AddressTaken_OneCleanErrorAndTheDnsServerStopped(string flag, string after)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"127.0.0.1:{Port(taken.LocalEndpoint)}";
        var dns = $"127.0.0.1:{FreeUdpPort()}";
        using var cli = new CliRunner { LogsToError = true };
        string[] args = flag == "--api"
            ? ["up", "--in-memory", "--state-dir", "state", "--dns", dns, "--api", address]
            : ["up", "--in-memory", "--state-dir", "state", "--dns", dns, "--api", "127.0.0.1:0", flag, address];

        var run = await cli.RunAsync(args);

        Assert.Equal(1, run.ExitCode);
        Assert.EndsWith($"error: {flag} {address}: cannot listen: Address already in use{after}\n", run.Error, StringComparison.Ordinal);
        AssertNoFailureLogged(run);
        Assert.Null(CurrentContext.Read(Path.Combine(cli.Directory, "config", "switchyard")));
        // The DNS server started before the listener that failed; up stopped it, so its port is free again.
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(IPEndPoint.Parse(dns));
    }

    [Fact]
    public async Task Up_DnsAddressTaken_OneCleanErrorNamingTheFlag()
    {
        using var taken = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var address = $"127.0.0.1:{Port(taken.Client.LocalEndPoint!)}";
        using var cli = new CliRunner { LogsToError = true };

        var run = await cli.RunAsync("up", "--in-memory", "--state-dir", "state", "--api", "127.0.0.1:0", "--dns", address);

        Assert.Equal(1, run.ExitCode);
        Assert.EndsWith($"error: --dns {address}: cannot listen: Address already in use{NoPod}\n", run.Error, StringComparison.Ordinal);
        AssertNoFailureLogged(run);
    }

    /// <summary>The one error is up's own line: nothing logged at Error or above, no host failure, no stack frame.</summary>
    private static void AssertNoFailureLogged(CliRun run)
    {
        Assert.DoesNotContain("Hosting failed", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\nError: ", "\n" + run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\nCritical: ", "\n" + run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
    }

    private static string Port(EndPoint endpoint) => ((IPEndPoint)endpoint).Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A loopback port free for UDP and TCP now (the DNS server binds both).</summary>
    private static int FreeUdpPort()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }
}
