using System.Text.Json.Nodes;
using Switchyard.Cli.Commands.Describe;

namespace Switchyard.Cli.Tests.Commands.Describe;

/// <summary><c>describe pod</c> shows each container's state and last state, as kubectl does: why a container fails is on the page.</summary>
public sealed class DescribePodTests
{
    [Fact]
    public void CrashLooping_StateAndLastStateWithTheirReasons()
    {
        var pod = JsonNode.Parse("""
            {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "main", "image": "demo", "command": ["does-not-exist"]}]},
             "status": {"phase": "Running", "containerStatuses": [{"name": "main", "ready": false, "restartCount": 3,
               "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}},
               "lastState": {"terminated": {"reason": "StartError", "message": "exec: \"does-not-exist\": executable file not found in $PATH", "exitCode": 128}}}]}}
            """)!;
        var writer = new DescribeWriter();

        Describers.Pod(writer, pod);

        var text = writer.ToString();
        Assert.Matches(@"(?m)^    State: +Waiting$", text);
        Assert.Matches(@"(?m)^      Reason: +CrashLoopBackOff$", text);
        Assert.Matches(@"(?m)^    Last State: +Terminated$", text);
        Assert.Matches(@"(?m)^      Reason: +StartError$", text);
        Assert.Contains("executable file not found in $PATH", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^      Exit Code: +128$", text);
    }
}
