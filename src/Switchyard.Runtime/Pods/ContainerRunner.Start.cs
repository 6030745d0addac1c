using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Runtime.Environment;
using Switchyard.Runtime.Probes;
using Switchyard.Runtime.Processes;

namespace Switchyard.Runtime.Pods;

/// <summary>Preparing a run (environment, directory, program) and the probes of a running container.</summary>
internal sealed partial class ContainerRunner
{
    private sealed record Prepared(ProcessSpec? Spec, string? ConfigError, string? StartError);

    private async Task<Prepared> PrepareAsync(CancellationToken cancellationToken)
    {
        var (env, configError) = await _pod.Environment.BuildAsync(_pod.Pod, _container, _pod.PodIp, cancellationToken);
        if (env is null) return new Prepared(null, configError, null);
        var directory = string.IsNullOrEmpty(_container.WorkingDir)
            ? _pod.Options.DefaultWorkingDirectory ?? System.Environment.CurrentDirectory
            : _container.WorkingDir;
        if (!System.IO.Directory.Exists(directory))
        {
            return new Prepared(null, null, $"chdir to cwd (\"{directory}\") failed: no such file or directory");
        }
        string? Lookup(string name) => env.GetValueOrDefault(name);
        var command = _container.Command.Select(c => VariableExpansion.Expand(c, Lookup)).ToList();
        var args = (_container.Args ?? []).Select(a => VariableExpansion.Expand(a, Lookup));
        var (program, error) = CommandResolver.Resolve(command[0], directory, env.GetValueOrDefault("PATH"));
        if (program is null) return new Prepared(null, null, error);
        var log = Path.Combine(ContainerDirectory, $"{_restartCount}.log");
        return new Prepared(new ProcessSpec(program, [.. command.Skip(1), .. args], env, directory, log), null, null);
    }

    private void StartProbes(ProbeTarget target, CancellationToken cancellationToken)
    {
        if (_container.StartupProbe is { } startup)
        {
            Launch(ProbeKind.Startup, startup);
        }
        else
        {
            StartMainProbes();
        }

        void StartMainProbes()
        {
            if (_container.ReadinessProbe is { } readiness) Launch(ProbeKind.Readiness, readiness);
            else Update(() => _ready = true);
            if (_container.LivenessProbe is { } liveness) Launch(ProbeKind.Liveness, liveness);
        }

        void Launch(ProbeKind kind, V1Probe probe)
        {
            var worker = new ProbeWorker(kind, probe, target, _pod.Checker, _pod.Time, OnResult);
            _ = Task.Run(async () =>
            {
                try
                {
                    await worker.RunAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception e)
                {
                    _pod.Logger.LogError(e, "pod {Pod} container {Container}: {Kind} probe failed unexpectedly", _pod, _container.Name, kind);
                }
            }, CancellationToken.None);
        }

        void OnResult(ProbeKind kind, bool success, string message)
        {
            if (cancellationToken.IsCancellationRequested) return;
            switch (kind)
            {
                case ProbeKind.Startup when success:
                    Update(() => _started = true);
                    StartMainProbes();
                    break;
                case ProbeKind.Readiness:
                    if (!success) _pod.Logger.LogInformation("pod {Pod} container {Container}: readiness probe failed: {Message}", _pod, _container.Name, message);
                    Update(() => _ready = success);
                    break;
                case ProbeKind.Liveness or ProbeKind.Startup when !success:
                    var text = $"{kind} probe failed: {message}";
                    _pod.Logger.LogInformation("pod {Pod} container {Container}: {Message}; killing it", _pod, _container.Name, text);
                    Update(() => _ready = false);
                    TaskCompletionSource<string>? kill;
                    lock (_lock) kill = _probeKill;
                    kill?.TrySetResult(text);
                    break;
            }
        }
    }
}
