namespace Switchyard.Runtime.Tests.Pods;

public sealed class RestartPolicyTests
{
    [Theory]
    [InlineData("Never", "exit 0", "Succeeded", 0, "Completed")]
    [InlineData("Never", "exit 3", "Failed", 3, "Error")]
    [InlineData("OnFailure", "exit 0", "Succeeded", 0, "Completed")]
    public async Task Run_PolicyThatDoesNotRestart_FinalPhase(string policy, string script, string phase, int exitCode, string reason)
    {
        await using var kit = new RuntimeTestKit().Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("job", script, p => p.Spec.RestartPolicy = policy));

        var pod = await kit.WaitForAsync("job", p => p.Status?.Phase == phase, phase);

        var container = RuntimeTestKit.Container(pod);
        Assert.Equal(0, container.RestartCount);
        Assert.Equal(exitCode, container.State.Terminated.ExitCode);
        Assert.Equal(reason, container.State.Terminated.Reason);
        Assert.False(RuntimeTestKit.IsReady(pod));
        Assert.Equal("PodCompleted", pod.Status.Conditions.Single(c => c.Type == "Ready").Reason);
    }

    [Theory]
    [InlineData("OnFailure", "exit 1")]
    [InlineData("Always", "exit 0")]
    public async Task Run_PolicyThatRestarts_CountsRestartsAndBacksOff(string policy, string script)
    {
        await using var kit = new RuntimeTestKit(o => o with { BackOffInitial = TimeSpan.FromMilliseconds(400), BackOffMax = TimeSpan.FromSeconds(1) }).Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("loop", script, p => p.Spec.RestartPolicy = policy));

        var backingOff = await kit.WaitForAsync("loop", p => RuntimeTestKit.Container(p).State?.Waiting?.Reason == "CrashLoopBackOff", "CrashLoopBackOff");
        Assert.StartsWith("back-off ", RuntimeTestKit.Container(backingOff).State.Waiting.Message, StringComparison.Ordinal);
        Assert.NotNull(RuntimeTestKit.Container(backingOff).LastState.Terminated);
        Assert.Equal("Running", backingOff.Status.Phase);
        await kit.WaitForAsync("loop", p => RuntimeTestKit.Container(p).RestartCount >= 3, "three restarts");
    }

    [Fact]
    public void BackOff_DoublesToTheCap_AndResetsAfterALongRun()
    {
        var backOff = new Runtime.Pods.RestartBackOff(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
        var delays = Enumerable.Range(0, 8).Select(_ => backOff.Next(TimeSpan.FromSeconds(1)).TotalSeconds).ToList();

        Assert.Equal([0, 10, 20, 40, 80, 160, 300, 300], delays);
        Assert.Equal(TimeSpan.Zero, backOff.Next(TimeSpan.FromMinutes(10)));
        Assert.Equal(TimeSpan.FromSeconds(10), backOff.Next(TimeSpan.FromSeconds(1)));
    }
}
