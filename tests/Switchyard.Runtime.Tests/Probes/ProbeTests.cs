using k8s.Models;

namespace Switchyard.Runtime.Tests.Probes;

public sealed class ProbeTests
{
    private static V1Probe Exec(params string[] command) => new() { Exec = new V1ExecAction { Command = command }, PeriodSeconds = 1, FailureThreshold = 1 };

    [Fact]
    public async Task Readiness_Exec_FollowsTheCheck()
    {
        await using var kit = new RuntimeTestKit().Start();
        var flag = Path.Combine(kit.StateDirectory, "ready-flag");
        await kit.CreateAsync(RuntimeTestKit.Pod("exec", "exec sleep 60", container: c => c.ReadinessProbe = Exec("/bin/sh", "-c", $"test -f {flag}")));

        var pod = await kit.WaitForAsync("exec", p => RuntimeTestKit.Container(p).State?.Running is not null && p.Status.Conditions?.Any(c => c.Type == "Ready") == true, "running");
        Assert.False(RuntimeTestKit.IsReady(pod));
        Assert.Equal("ContainersNotReady", pod.Status.Conditions.Single(c => c.Type == "Ready").Reason);

        Directory.CreateDirectory(kit.StateDirectory);
        await File.WriteAllTextAsync(flag, "");
        await kit.WaitForAsync("exec", RuntimeTestKit.IsReady, "Ready once the check passes");

        File.Delete(flag);
        pod = await kit.WaitForAsync("exec", p => !RuntimeTestKit.IsReady(p), "not Ready once the check fails");
        Assert.Equal(0, RuntimeTestKit.Container(pod).RestartCount);
    }

    [Fact]
    public async Task Readiness_TcpSocket_ReadyWhenThePortListens()
    {
        await using var kit = new RuntimeTestKit().Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("tcp", "sleep 2; exec python3 -m http.server --bind $POD_IP 8081", container: c =>
            c.ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "8081" }, PeriodSeconds = 1, FailureThreshold = 1 }));

        var pod = await kit.WaitForAsync("tcp", p => RuntimeTestKit.Container(p).State?.Running is not null, "running");
        Assert.False(RuntimeTestKit.IsReady(pod));
        await kit.WaitForAsync("tcp", RuntimeTestKit.IsReady, "Ready once the server listens", seconds: 30);
    }

    [Fact]
    public async Task Readiness_HttpGet_StatusDecidesAndHeadersAreSent()
    {
        await using var kit = new RuntimeTestKit().Start();
        // A server that answers 200 only when the probe sends X-Probe: yes, and logs the header it saw.
        var server = """
            import http.server, os
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    ok = self.path == '/healthz' and self.headers.get('X-Probe') == 'yes'
                    print('probe', self.path, self.headers.get('X-Probe'), flush=True)
                    self.send_response(200 if ok else 404); self.end_headers()
            http.server.HTTPServer((os.environ['POD_IP'], 8082), H).serve_forever()
            """;
        await kit.CreateAsync(RuntimeTestKit.Pod("http", "", container: c =>
        {
            c.Command = ["python3", "-c", server];
            c.Ports = [new V1ContainerPort { Name = "web", ContainerPort = 8082 }];
            c.ReadinessProbe = new V1Probe
            {
                HttpGet = new V1HTTPGetAction { Port = "web", Path = "/healthz", HttpHeaders = [new V1HTTPHeader { Name = "X-Probe", Value = "yes" }] },
                PeriodSeconds = 1,
            };
        }));
        await kit.CreateAsync(RuntimeTestKit.Pod("http-404", "", container: c =>
        {
            c.Command = ["python3", "-c", server];
            c.Ports = [new V1ContainerPort { Name = "web", ContainerPort = 8082 }];
            c.ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "web", Path = "/other" }, PeriodSeconds = 1 };
        }));

        await kit.WaitForAsync("http", RuntimeTestKit.IsReady, "Ready");
        var failing = await kit.WaitForAsync("http-404", p => RuntimeTestKit.Container(p).State?.Running is not null, "running");
        await Task.Delay(2500);
        failing = (await kit.GetAsync("http-404"))!;
        Assert.False(RuntimeTestKit.IsReady(failing));
    }

    [Fact]
    public async Task Liveness_Failing_RestartsWithReasonInLastState()
    {
        await using var kit = new RuntimeTestKit().Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("live", "exec sleep 60", container: c => c.LivenessProbe = Exec("/bin/sh", "-c", "exit 1")));

        var pod = await kit.WaitForAsync("live", p => RuntimeTestKit.Container(p).RestartCount >= 1, "a restart");

        var last = RuntimeTestKit.Container(pod).LastState.Terminated;
        Assert.NotNull(last);
        Assert.Equal("Liveness probe failed: command exited with code 1", last.Message);
        Assert.Equal(143, last.ExitCode); // sleep dies of the SIGTERM
    }

    [Fact]
    public async Task Startup_GatesReadinessAndLiveness()
    {
        await using var kit = new RuntimeTestKit().Start();
        var flag = Path.Combine(kit.StateDirectory, "started-flag");
        await kit.CreateAsync(RuntimeTestKit.Pod("startup", "exec sleep 60", container: c =>
        {
            c.StartupProbe = new V1Probe { Exec = new V1ExecAction { Command = ["/bin/sh", "-c", $"test -f {flag}"] }, PeriodSeconds = 1, FailureThreshold = 30 };
            c.LivenessProbe = Exec("/bin/sh", "-c", "exit 0");
        }));

        var pod = await kit.WaitForAsync("startup", p => RuntimeTestKit.Container(p).State?.Running is not null, "running");
        await Task.Delay(1500);
        pod = (await kit.GetAsync("startup"))!;
        Assert.False(RuntimeTestKit.Container(pod).Started);
        Assert.False(RuntimeTestKit.IsReady(pod));

        Directory.CreateDirectory(kit.StateDirectory);
        await File.WriteAllTextAsync(flag, "");
        pod = await kit.WaitForAsync("startup", p => RuntimeTestKit.Container(p).Started == true && RuntimeTestKit.IsReady(p), "started and Ready");
        Assert.Equal(0, RuntimeTestKit.Container(pod).RestartCount);
    }

    [Fact]
    public async Task Startup_NeverPassing_KillsTheContainer()
    {
        await using var kit = new RuntimeTestKit().Start();
        await kit.CreateAsync(RuntimeTestKit.Pod("nostart", "exec sleep 60", p => p.Spec.RestartPolicy = "Never", c =>
            c.StartupProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "9" }, PeriodSeconds = 1, FailureThreshold = 2 }));

        var pod = await kit.WaitForAsync("nostart", p => p.Status?.Phase == "Failed", "Failed");

        var terminated = RuntimeTestKit.Container(pod).State.Terminated;
        Assert.StartsWith("Startup probe failed: dial tcp ", terminated.Message, StringComparison.Ordinal);
    }
}
