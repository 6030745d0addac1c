using System.Diagnostics;
using System.Net.Sockets;
using k8s.Models;

namespace Switchyard.Runtime.Probes;

/// <summary>
/// Runs one check of a probe or lifecycle handler against a container: httpGet (success is a status in
/// 200–399; HTTPS does not verify certificates, as the kubelet), tcpSocket (a connection opens), exec (the
/// command exits 0, run with the container's environment and directory, killed at the timeout) and grpc
/// (the standard grpc.health.v1 Check answers SERVING). Failures are values with a message for status.
/// </summary>
internal sealed class ProbeChecker : IDisposable
{
    private readonly HttpClient _http;
    private readonly GrpcHealthCheck _grpc;

    public ProbeChecker()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.Zero,
#pragma warning disable CA5359 // the kubelet does not verify probe certificates either: a probe checks liveness, not identity
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
#pragma warning restore CA5359
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _grpc = new GrpcHealthCheck(_http);
    }

    public async Task<ProbeOutcome> CheckAsync(V1Probe probe, ProbeTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (probe.HttpGet is { } http) return await HttpGetAsync(http, target, timeout, cancellationToken);
        if (probe.TcpSocket is { } tcp) return await TcpAsync(tcp.Host, tcp.Port, target, timeout, cancellationToken);
        if (probe.Exec is { } exec) return await ExecAsync(exec.Command ?? [], target, timeout, cancellationToken);
        if (probe.Grpc is { } grpc) return await _grpc.CheckAsync(target.PodIp, grpc.Port, grpc.Service ?? "", timeout, cancellationToken);
        return ProbeOutcome.Fail("probe has no handler (httpGet, tcpSocket, exec or grpc)");
    }

    public async Task<ProbeOutcome> HttpGetAsync(V1HTTPGetAction action, ProbeTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (port, error) = target.ResolvePort(action.Port);
        if (port is null) return ProbeOutcome.Fail(error!);
        var scheme = string.Equals(action.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var host = string.IsNullOrEmpty(action.Host) ? target.PodIp : action.Host;
        var path = string.IsNullOrEmpty(action.Path) ? "/" : action.Path.StartsWith('/') ? action.Path : "/" + action.Path;
        var url = $"{scheme}://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}{path}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("User-Agent", "switchyard-probe/1.0");
        request.Headers.TryAddWithoutValidation("Accept", "*/*");
        foreach (var h in action.HttpHeaders ?? [])
        {
            if (string.Equals(h.Name, "Host", StringComparison.OrdinalIgnoreCase)) request.Headers.Host = h.Value;
            else
            {
                request.Headers.Remove(h.Name);
                request.Headers.TryAddWithoutValidation(h.Name, h.Value);
            }
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400
                ? ProbeOutcome.Ok($"HTTP probe succeeded with statuscode: {code}")
                : ProbeOutcome.Fail($"HTTP probe failed with statuscode: {code}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"Get \"{url}\": context deadline exceeded (timeout {timeout.TotalSeconds:0.###}s)");
        }
        catch (HttpRequestException e)
        {
            return ProbeOutcome.Fail($"Get \"{url}\": {e.InnerException?.Message ?? e.Message}");
        }
    }

    public static async Task<ProbeOutcome> TcpAsync(string? hostName, IntOrString port, ProbeTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (number, error) = target.ResolvePort(port);
        if (number is null) return ProbeOutcome.Fail(error!);
        var host = string.IsNullOrEmpty(hostName) ? target.PodIp : hostName;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, number.Value, cts.Token);
            return ProbeOutcome.Ok();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Fail($"dial tcp {host}:{number}: i/o timeout");
        }
        catch (SocketException e)
        {
            return ProbeOutcome.Fail($"dial tcp {host}:{number}: {e.Message}");
        }
    }

    public static async Task<ProbeOutcome> ExecAsync(IList<string> command, ProbeTarget target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (command.Count == 0) return ProbeOutcome.Fail("exec: no command");
        var program = Processes.CommandResolver.Resolve(command[0], target.WorkingDirectory, target.Environment.GetValueOrDefault("PATH"));
        if (program.Path is null) return ProbeOutcome.Fail(program.Error!);
        var psi = new ProcessStartInfo(program.Path)
        {
            UseShellExecute = false,
            WorkingDirectory = target.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var (k, v) in target.Environment) psi.Environment[k] = v;
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return ProbeOutcome.Fail($"exec {command[0]}: {e.Message}");
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            if (cancellationToken.IsCancellationRequested) throw;
            return ProbeOutcome.Fail($"command timed out after {timeout.TotalSeconds:0.###}s");
        }
        var text = (await SafeAsync(output) + await SafeAsync(errors)).Trim();
        if (text.Length > 200) text = text[..200];
        return process.ExitCode == 0
            ? ProbeOutcome.Ok(text)
            : ProbeOutcome.Fail($"command exited with code {process.ExitCode}{(text.Length > 0 ? ": " + text : "")}");
    }

    private static async Task<string> SafeAsync(Task<string> read)
    {
        try
        {
            return await read;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return "";
        }
    }

    public void Dispose() => _http.Dispose();
}
