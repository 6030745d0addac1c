using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// A real HAProxy (/usr/sbin/haproxy, skipping the test when it is not installed) run in the foreground from a
/// temporary configuration, binding only 127.0.0.0/8; stopped by its PID on dispose.
/// </summary>
internal sealed class HaProxy : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/haproxy";

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private HaProxy(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

    public static void SkipIfMissing() => Skip.IfNot(File.Exists(Binary), $"HAProxy is not installed at {Binary} (apt-get install haproxy)");

    /// <summary>What HAProxy wrote on stdout and stderr so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>A port free on <paramref name="address"/> now (bound to 0, then released).</summary>
    public static int FreePort(IPAddress address)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Starts HAProxy with <paramref name="sections"/> (frontends and backends) after global and defaults sections,
    /// and waits until <paramref name="listening"/> accepts connections.
    /// </summary>
    public static async Task<HaProxy> StartAsync(string sections, IPEndPoint listening)
    {
        var directory = Directory.CreateTempSubdirectory("switchyard-haproxy-").FullName;
        var config = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, $"""
            global
                maxconn 256

            defaults
                timeout connect 5s
                timeout client 30s
                timeout server 30s

            {sections}
            """ + "\n");
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-db", "-f", config]) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var haproxy = new HaProxy(process, directory);
        process.OutputDataReceived += (_, e) => haproxy.Append(e.Data);
        process.ErrorDataReceived += (_, e) => haproxy.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (process.HasExited)
            {
                var why = $"haproxy exited ({process.ExitCode}): {haproxy.Output}\n{await File.ReadAllTextAsync(config)}";
                await haproxy.DisposeAsync();
                Assert.Fail(why);
            }
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(listening);
                return haproxy;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                await haproxy.DisposeAsync(); // not listening in time: the process and its directory go, the failure stays
                throw;
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
