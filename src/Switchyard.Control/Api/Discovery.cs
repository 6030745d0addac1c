using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Switchyard.Model.Resources;

namespace Switchyard.Control.Api;

/// <summary>
/// The discovery documents clients read to learn what is served: /api (APIVersions), /apis
/// (APIGroupList), /apis/{group} (APIGroup), /api/v1 and /apis/{group}/{version} (APIResourceList), /version.
/// </summary>
internal static class Discovery
{
    public const string GitVersion = "v0.1.0-switchyard";

    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] StatusVerbs = ["get", "update"];

    public static JsonObject Version() => new()
    {
        ["major"] = "0",
        ["minor"] = "1",
        ["gitVersion"] = GitVersion,
        ["platform"] = $"{(OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : "windows")}/{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}",
    };

    public static JsonObject ApiVersions() => new()
    {
        ["kind"] = "APIVersions",
        ["apiVersion"] = "v1",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(),
    };

    public static JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. Groups().Select(g => (JsonNode)GroupJson(g))]),
    };

    /// <summary>The APIGroup document of a group, or null when the group is not served.</summary>
    public static JsonObject? Group(string group)
    {
        if (!Groups().Contains(group)) return null;
        var json = GroupJson(group);
        json["kind"] = "APIGroup";
        json["apiVersion"] = "v1";
        return json;
    }

    /// <summary>The APIResourceList of a group version, or null when nothing is served there.</summary>
    public static JsonObject? Resources(string group, string version)
    {
        var kinds = ResourceKinds.All.Where(k => k.Group == group && Versions(k).Contains(version)).ToList();
        if (kinds.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var k in kinds)
        {
            resources.Add((JsonNode)new JsonObject
            {
                ["name"] = k.Plural,
                ["singularName"] = k.Singular,
                ["namespaced"] = k.Namespaced,
                ["kind"] = k.Kind,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode)v)]),
                ["shortNames"] = new JsonArray([.. k.ShortNames.Select(s => (JsonNode)s)]),
            });
            resources.Add((JsonNode)new JsonObject
            {
                ["name"] = $"{k.Plural}/{ResourcePath.StatusSubresource}",
                ["singularName"] = "",
                ["namespaced"] = k.Namespaced,
                ["kind"] = k.Kind,
                ["verbs"] = new JsonArray([.. StatusVerbs.Select(v => (JsonNode)v)]),
            });
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static IEnumerable<string> Versions(ResourceKind k) => k.AlsoAcceptedVersions.Prepend(k.Version);

    private static List<string> Groups() =>
        [.. ResourceKinds.All.Where(k => k.Group.Length > 0).Select(k => k.Group).Distinct()];

    private static JsonObject GroupJson(string group)
    {
        var kinds = ResourceKinds.All.Where(k => k.Group == group).ToList();
        // Preferred: the version most kinds of the group are stored in.
        var preferred = kinds.GroupBy(k => k.Version).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var versions = kinds.SelectMany(Versions).Distinct().OrderBy(v => v == preferred ? 0 : 1).ThenBy(v => v, StringComparer.Ordinal);
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)VersionJson(group, v))]),
            ["preferredVersion"] = VersionJson(group, preferred),
        };
    }

    private static JsonObject VersionJson(string group, string version) => new()
    {
        ["groupVersion"] = $"{group}/{version}",
        ["version"] = version,
    };
}
