using System.Text.Json.Nodes;
using Switchyard.Cli.Commands.Rollout;

namespace Switchyard.Cli.Tests.Commands.Rollout;

public sealed class RolloutProgressTests
{
    [Theory]
    [InlineData(2, 1, 3, 3, 3, 3, false, "Waiting for deployment spec update to be observed...")]
    [InlineData(1, 1, 3, 4, 1, 0, false, "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...")]
    [InlineData(1, 1, 3, 4, 3, 3, false, "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...")]
    [InlineData(1, 1, 3, 3, 3, 2, false, "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...")]
    [InlineData(1, 1, 3, 3, 3, 3, true, "deployment \"web\" successfully rolled out")]
    public void Of_Status_GivesKubectlLine(long generation, long observed, int replicas, int current, int updated, int available, bool done, string message)
    {
        var deployment = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "web", ["generation"] = generation },
            ["spec"] = new JsonObject { ["replicas"] = replicas },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = observed,
                ["replicas"] = current,
                ["updatedReplicas"] = updated,
                ["availableReplicas"] = available,
            },
        };

        var progress = RolloutProgress.Of(deployment);

        Assert.Equal((done, false, message), (progress.Done, progress.Failed, progress.Message));
    }

    [Fact]
    public void Of_DeadlineExceeded_Fails()
    {
        var deployment = JsonNode.Parse("""
            {"metadata":{"name":"web","generation":1},"spec":{"replicas":1},
             "status":{"observedGeneration":1,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}}
            """)!.AsObject();

        var progress = RolloutProgress.Of(deployment);

        Assert.Equal((false, true, "deployment \"web\" exceeded its progress deadline"), (progress.Done, progress.Failed, progress.Message));
    }
}
