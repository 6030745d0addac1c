using System.Net;
using k8s.Models;
using Switchyard.Runtime.Network;

namespace Switchyard.Runtime.Tests.Pods;

public sealed class PodLifecycleTests
{
    [Fact]
    public async Task Run_SimplePod_RunningReadyWithPodIpEnvAndLog()
    {
        await using var kit = new RuntimeTestKit().Start();
        var created = await kit.CreateAsync(RuntimeTestKit.Pod("web", "echo \"hello $POD_NAME $POD_NAMESPACE $POD_IP\"; exec sleep 30"));

        var pod = await kit.WaitForAsync("web", p => RuntimeTestKit.IsReady(p), "Ready");

        Assert.Equal("Running", pod.Status.Phase);
        Assert.Equal("local", pod.Spec.NodeName);
        Assert.Equal("127.0.0.1", pod.Status.HostIP);
        Assert.True(Ipv4Range.TryParse("127.64.0.0/12", out var range, out _));
        Assert.True(range!.Contains(Ipv4Range.ToUInt(IPAddress.Parse(pod.Status.PodIP))));
        Assert.Equal(pod.Status.PodIP, Assert.Single(pod.Status.PodIPs).Ip);
        Assert.Equal(["PodScheduled", "Initialized", "ContainersReady", "Ready"], pod.Status.Conditions.Select(c => c.Type));
        var main = RuntimeTestKit.Container(pod);
        Assert.NotNull(main.State.Running);
        Assert.True(main.Started);
        Assert.Equal(0, main.RestartCount);
        var log = Path.Combine(kit.StateDirectory, "pods", $"default_web_{created.Metadata.Uid}", "main", "0.log");
        await RuntimeTestKit.WaitUntilAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("hello", StringComparison.Ordinal), "the log line");
        Assert.Equal($"hello web default {pod.Status.PodIP}\n", File.ReadAllText(log));
    }

    [Fact]
    public async Task Run_TwoPods_GetDifferentAddresses_MultiContainerPodSharesOne()
    {
        await using var kit = new RuntimeTestKit().Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("a", "exec sleep 30"));
        await kit.CreateAsync(RuntimeTestKit.Pod("b", "exec sleep 30", p => p.Spec.Containers.Add(new V1Container
        {
            Name = "side",
            Command = ["/bin/sh", "-c", "echo $POD_IP > side-ip; exec sleep 30"],
        })));

        var a = await kit.WaitForAsync("a", RuntimeTestKit.IsReady, "Ready");
        var b = await kit.WaitForAsync("b", RuntimeTestKit.IsReady, "Ready");

        Assert.NotEqual(a.Status.PodIP, b.Status.PodIP);
        Assert.Equal(2, b.Status.ContainerStatuses.Count);
        Assert.All(b.Status.ContainerStatuses, s => Assert.True(s.Ready));
    }

    [Fact]
    public async Task Run_NoCommand_WaitingWithClearReason()
    {
        await using var kit = new RuntimeTestKit().Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("nocmd", "", container: c => c.Command = null));

        var pod = await kit.WaitForAsync("nocmd", p => RuntimeTestKit.Container(p).State?.Waiting?.Reason == "CreateContainerError", "CreateContainerError");

        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("no command: the local runtime runs spec.containers[].command (+ args); image is informational", RuntimeTestKit.Container(pod).State.Waiting.Message);
    }

    [Fact]
    public async Task Run_MissingExecutable_StartErrorThenCrashLoopBackOff()
    {
        await using var kit = new RuntimeTestKit(o => o with { BackOffInitial = TimeSpan.FromSeconds(5), BackOffMax = TimeSpan.FromSeconds(5) }).Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("missing", "", container: c => c.Command = ["no-such-program-xyz", "--flag"]));

        var pod = await kit.WaitForAsync("missing", p => RuntimeTestKit.Container(p).State?.Waiting?.Reason == "CrashLoopBackOff", "CrashLoopBackOff");

        var last = RuntimeTestKit.Container(pod).LastState.Terminated;
        Assert.Equal("StartError", last.Reason);
        Assert.Equal(128, last.ExitCode);
        Assert.Equal("exec: \"no-such-program-xyz\": executable file not found in $PATH", last.Message);
        Assert.Equal("Running", pod.Status.Phase);
        Assert.False(RuntimeTestKit.IsReady(pod));
    }

    [Fact]
    public async Task Run_NotExecutable_StartErrorPermissionDenied()
    {
        await using var kit = new RuntimeTestKit().Start();
        var file = Path.Combine(kit.StateDirectory, "not-executable.sh");
        Directory.CreateDirectory(kit.StateDirectory);
        await File.WriteAllTextAsync(file, "#!/bin/sh\necho hi\n");
        await kit.CreateAsync(RuntimeTestKit.Pod("perm", "", p => p.Spec.RestartPolicy = "Never", c => c.Command = [file]));

        var pod = await kit.WaitForAsync("perm", p => p.Status?.Phase == "Failed", "Failed");

        var terminated = RuntimeTestKit.Container(pod).State.Terminated;
        Assert.Equal("StartError", terminated.Reason);
        Assert.Equal($"exec: \"{file}\": permission denied", terminated.Message);
    }

    [Fact]
    public async Task Run_Kill9_ContainerRestarts_NotReadyMeanwhile_ThenReadyAgain()
    {
        await using var kit = new RuntimeTestKit().Start();
        var created = await kit.CreateAsync(RuntimeTestKit.Pod("victim", "exec python3 -m http.server --bind $POD_IP 8080", container: c =>
        {
            c.Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }];
            c.ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "http", Path = "/" }, PeriodSeconds = 1, FailureThreshold = 1 };
        }));
        await kit.WaitForAsync("victim", RuntimeTestKit.IsReady, "Ready");
        var pid = kit.Runtime.ContainerPids(created.Metadata.Uid)["main"];
        var seenNotReady = false;
        var watching = Task.Run(async () =>
        {
            await foreach (var e in kit.Store.WatchAsync(new Store.WatchQuery(Model.Resources.ResourceKinds.Pod, "default")))
            {
                if (e.Object is V1Pod p && p.Metadata.Name == "victim" && !RuntimeTestKit.IsReady(p) && RuntimeTestKit.Container(p).RestartCount >= 0 && p.Status?.ContainerStatuses is not null)
                {
                    seenNotReady = true;
                    return;
                }
            }
        });

        Processes.Posix.Signal(pid, Processes.Posix.SIGKILL);

        var pod = await kit.WaitForAsync("victim", p => RuntimeTestKit.Container(p).RestartCount == 1 && RuntimeTestKit.IsReady(p), "restart 1 and Ready again");
        await watching.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(seenNotReady);
        var last = RuntimeTestKit.Container(pod).LastState.Terminated;
        Assert.Equal(137, last.ExitCode);
        Assert.Equal("Error", last.Reason);
        Assert.NotEqual(pid, kit.Runtime.ContainerPids(created.Metadata.Uid)["main"]);
        Assert.False(RuntimeTestKit.Alive(pid));
    }
}
