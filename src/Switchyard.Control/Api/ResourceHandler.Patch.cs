using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Switchyard.Control.Apply;
using Switchyard.Model.Resources;

namespace Switchyard.Control.Api;

/// <summary>
/// PATCH with a JSON merge patch (RFC 7386). The patch is applied to the stored object and the
/// result goes through the update pipeline, conditional on the version read; a concurrent change
/// makes it read and patch again, unless the patch itself names a resourceVersion.
/// Strategic merge patch and JSON patch are not supported (415).
/// </summary>
internal sealed partial class ResourceHandler
{
    private const int MaxPatchAttempts = 5;
    private static readonly string[] PatchTypes = [MergePatch.MediaType];

    private async Task PatchAsync(HttpContext context, ResourcePath target, RequestQuery query)
    {
        var (patch, error) = await RequestBody.ReadJsonAsync(context.Request, PatchTypes, context.RequestAborted);
        if (patch is null)
        {
            await ApiResponses.WriteStatusAsync(context, error!);
            return;
        }
        var pinned = patch["metadata"]?["resourceVersion"] is not null;
        for (var attempt = 1; ; attempt++)
        {
            var existing = await store.GetAsync(target.Ref, context.RequestAborted);
            if (existing is null)
            {
                await ApiResponses.WriteStatusAsync(context, ApiStatus.NotFound(target.Ref));
                return;
            }
            if (MergePatch.Apply(ResourceJson.ToNode(existing), patch) is not JsonObject merged)
            {
                await ApiResponses.WriteStatusAsync(context, ApiStatus.BadRequest("the patch must be a JSON object"));
                return;
            }
            var (obj, decodeError) = DecodeForPath(merged, target);
            if (obj is null)
            {
                await ApiResponses.WriteStatusAsync(context, decodeError!);
                return;
            }
            var result = await apply.UpdateAsync(obj, Options(target, query), context.RequestAborted);
            if (result.Status == ObjectWriteStatus.Conflict && !pinned && attempt < MaxPatchAttempts) continue;
            await WriteOutcomeAsync(context, target.Ref, result, successCode: 200);
            return;
        }
    }
}
