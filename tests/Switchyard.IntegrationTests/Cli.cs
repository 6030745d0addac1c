using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.IntegrationTests;

/// <summary>The result of one CLI run.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real <c>switchyard</c> binary as a separate process, with its own config directory so tests never touch
/// the user's files. The binary is <c>$SWITCHYARD_BIN</c> when set (<c>./test</c> sets it to the native build the
/// <c>./switchyard</c> launcher makes, the one users run), else the .NET build next to this test assembly.
/// </summary>
public sealed class Cli
{
    private readonly Dictionary<string, string> _env;

    public Cli(string configDir, IReadOnlyDictionary<string, string>? env = null)
    {
        _env = new Dictionary<string, string>(env ?? new Dictionary<string, string>()) { ["XDG_CONFIG_HOME"] = configDir, ["NO_COLOR"] = "1" };
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "switchyard.dll");

    /// <summary>The executable under test when it is not the .NET build next to this assembly.</summary>
    public static string? Binary { get; } = Environment.GetEnvironmentVariable("SWITCHYARD_BIN") is { Length: > 0 } b ? Path.GetFullPath(b) : null;

    public static string RepoRoot { get; } = FindRepoRoot();

    public void Set(string name, string value) => _env[name] = value;

    public ProcessStartInfo StartInfo(params string[] args)
    {
        var psi = new ProcessStartInfo(Binary ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        if (Binary is null) psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in _env) psi.Environment[k] = v;
        return psi;
    }

    public async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<CliResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        using var p = Process.Start(StartInfo(args))!;
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"switchyard {string.Join(' ', args)} did not finish in 2 minutes");
        }
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// A port on 127.0.0.1 free for TCP and UDP now, below the kernel's ephemeral range (32768 and up): a port the kernel
    /// hands out can be taken, before the process under test binds it, by any outgoing connection of a test running
    /// in parallel, which made the gateway's bind fail under load. Outside that range only another test picking the
    /// same random port can race us.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        throw new InvalidOperationException("no free port between 20000 and 32767 on 127.0.0.1 after 200 tries");
    }

    private static string FindRepoRoot()
    {
        var built = typeof(Cli).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "Switchyard.slnx"))) return built;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Switchyard.slnx"))) return d.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Switchyard.slnx) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A running <c>switchyard up</c>, started as its own process and killed or stopped by the test.</summary>
public sealed class UpProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private UpProcess(Process process, string url)
    {
        _process = process;
        Url = url;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Url { get; }
    public int Pid => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<UpProcess> StartAsync(Cli cli, string stateDir, params string[] extraArgs)
    {
        var port = Cli.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var args = new List<string> { "up", "--state-dir", stateDir, "--api", $"127.0.0.1:{port}", "--dns", "127.0.0.1:0", "--dns-upstream", "none" };
        args.AddRange(extraArgs);
        var p = Process.Start(cli.StartInfo([.. args]))!;
        var up = new UpProcess(p, url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (p.HasExited) throw new InvalidOperationException($"switchyard up exited with {p.ExitCode}:\n{up.Output}");
            try
            {
                using var r = await http.GetAsync($"{url}/readyz");
                if (r.IsSuccessStatusCode) return up;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        await up.DisposeAsync();
        throw new TimeoutException($"switchyard up was not ready within 60 s:\n{up.Output}");
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait for a clean exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>
    /// Stops `up` the way a user does (SIGTERM), so it stops its pods; SIGKILL only if it has not exited within 30 s.
    /// A SIGKILL here would leave the pods running with no later `up` on this state directory to reap them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await TerminateAsync();
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }
}
