using Switchyard.Model.Manifests;

namespace Switchyard.Model.Tests.Validation.Core;

/// <summary>Decodes, defaults and validates YAML through the manifest reader and returns "path: message" per error.</summary>
internal static class CoreRulesTestKit
{
    public static ManifestReadResult Read(string yaml) => new ManifestReader().ReadText("t.yaml", yaml, json: false);

    public static string[] Errors(string yaml) => [.. Read(yaml).Errors.Select(e => e.Path.Length == 0 ? e.Message : $"{e.Path}: {e.Message}")];

    public static T Object<T>(string yaml)
    {
        var r = Read(yaml);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        return Assert.IsType<T>(r.Objects.Single().Object);
    }
}
