using System.Diagnostics;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Runtime.Processes;

namespace Switchyard.Runtime.Tests.Pods;

public sealed class TerminationTests
{
    /// <summary>What the API does on DELETE of a running pod: mark it terminating.</summary>
    private static async Task MarkDeletedAsync(RuntimeTestKit kit, string name, long grace)
    {
        for (var i = 0; i < 10; i++)
        {
            var pod = (await kit.GetAsync(name))!;
            pod.Metadata.DeletionTimestamp = DateTime.UtcNow.AddSeconds(grace);
            pod.Metadata.DeletionGracePeriodSeconds = grace;
            if ((await kit.Store.UpdateAsync(pod)).Ok) return;
        }
        Assert.Fail("could not mark the pod deleted");
    }

    [Fact]
    public async Task Delete_PreStopRuns_SigtermIgnored_SigkillAfterGrace_ObjectRemoved()
    {
        await using var kit = new RuntimeTestKit().Start();
        var marker = Path.Combine(kit.StateDirectory, "prestop-ran");
        var created = await kit.CreateAsync(RuntimeTestKit.Pod("stubborn", "trap 'echo got TERM' TERM; while true; do sleep 0.2; done", container: c =>
            c.Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["/bin/sh", "-c", $"touch {marker}"] } } }));
        await kit.WaitForAsync("stubborn", RuntimeTestKit.IsReady, "Ready");
        var pid = kit.Runtime.ContainerPids(created.Metadata.Uid)["main"];
        var stopwatch = Stopwatch.StartNew();

        await MarkDeletedAsync(kit, "stubborn", grace: 2);

        await kit.WaitGoneAsync("stubborn");
        Assert.True(File.Exists(marker));
        Assert.False(RuntimeTestKit.Alive(pid));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1.5), "SIGKILL came only after the grace period");
        var podDir = Path.Combine(kit.StateDirectory, "pods", $"default_stubborn_{created.Metadata.Uid}");
        await RuntimeTestKit.WaitUntilAsync(() => !Directory.Exists(podDir), "the pod directory removed");
    }

    [Fact]
    public async Task Delete_PreStopSleep_CountsAgainstGrace_ProcessThatHonorsSigtermStopsEarly()
    {
        await using var kit = new RuntimeTestKit().Start();
        var created = await kit.CreateAsync(RuntimeTestKit.Pod("polite", "exec sleep 60", container: c =>
            c.Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = 1 } } }));
        await kit.WaitForAsync("polite", RuntimeTestKit.IsReady, "Ready");
        var pid = kit.Runtime.ContainerPids(created.Metadata.Uid)["main"];

        await MarkDeletedAsync(kit, "polite", grace: 30);

        await kit.WaitGoneAsync("polite", seconds: 15);
        Assert.False(RuntimeTestKit.Alive(pid));
    }

    [Fact]
    public async Task Delete_ObjectRemovedOutright_ProcessesStillStopped()
    {
        await using var kit = new RuntimeTestKit().Start();
        var created = await kit.CreateAsync(RuntimeTestKit.Pod("gone", "sleep 60 & exec sleep 61"));
        await kit.WaitForAsync("gone", RuntimeTestKit.IsReady, "Ready");
        var pid = kit.Runtime.ContainerPids(created.Metadata.Uid)["main"];

        await kit.Store.DeleteAsync(new ObjectRef(ResourceKinds.Pod, "default", "gone"));

        await RuntimeTestKit.WaitUntilAsync(() => !RuntimeTestKit.Alive(pid), "the process stopped");
        await RuntimeTestKit.WaitUntilAsync(() => !RuntimeTestKit.GroupAlive(pid), "the whole process group stopped (the background child too)");
    }

    [Fact]
    public async Task Stop_LeavesNoProcess_KeepsObjects_NextRuntimeRunsThemAgainOnTheSameIp()
    {
        var kit = new RuntimeTestKit().Start();
        var created = await kit.CreateAsync(RuntimeTestKit.Pod("survivor", "trap '' TERM; sleep 60 & while true; do sleep 0.2; done", p => p.Spec.TerminationGracePeriodSeconds = 1));
        var before = await kit.WaitForAsync("survivor", RuntimeTestKit.IsReady, "Ready");
        var pid = kit.Runtime.ContainerPids(created.Metadata.Uid)["main"];

        await kit.StopAsync();

        Assert.False(RuntimeTestKit.Alive(pid));
        await RuntimeTestKit.WaitUntilAsync(() => !RuntimeTestKit.GroupAlive(pid), "the background child reaped too"); // killed already; its zombie may take a moment to be reaped
        Assert.NotNull(await kit.GetAsync("survivor"));

        await using var next = new RuntimeTestKit(stateDirectory: kit.StateDirectory, store: kit.Store).Start();
        var after = await next.WaitForAsync("survivor", p => RuntimeTestKit.Container(p).RestartCount == 1 && RuntimeTestKit.IsReady(p), "running again");
        Assert.Equal(before.Status.PodIP, after.Status.PodIP);
        Assert.NotNull(RuntimeTestKit.Container(after).LastState.Terminated);
        Assert.NotEqual(pid, next.Runtime.ContainerPids(created.Metadata.Uid)["main"]);
    }

    [Fact]
    public async Task Start_PidFileOfALeftoverGroup_KillsTheGroup()
    {
        var state = Path.Combine(Path.GetTempPath(), "sy-runtime-tests", Guid.NewGuid().ToString("N")[..12]);
        var containerDir = Path.Combine(state, "pods", "default_old_1234", "main");
        Directory.CreateDirectory(containerDir);
        using var leftover = Process.Start(new ProcessStartInfo("/usr/bin/setsid", ["/bin/sh", "-c", "sleep 120 & exec sleep 121"]))!;
        // Until setsid has run, the group does not exist yet and a kill of it would miss; wait for both sleeps in it.
        await RuntimeTestKit.WaitUntilAsync(() => RuntimeTestKit.GroupMembers(leftover.Id) == 2, "the leftover group formed (both sleeps)");
        await File.WriteAllTextAsync(Path.Combine(containerDir, "pid"), $"{leftover.Id} {Posix.StartTime(leftover.Id)}\n");

        await using var kit = new RuntimeTestKit(stateDirectory: state).Start();

        // The reaper kills the group, then deletes its pid file: the group can be seen dead a moment before the file goes.
        var pidFile = Path.Combine(containerDir, "pid");
        await RuntimeTestKit.WaitUntilAsync(() => !RuntimeTestKit.GroupAlive(leftover.Id) && !File.Exists(pidFile), "the leftover group killed and its pid file removed");
        Assert.False(RuntimeTestKit.GroupAlive(leftover.Id));
        Assert.False(File.Exists(pidFile));
    }
}
