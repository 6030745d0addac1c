using k8s.Models;
using Switchyard.Model.Manifests;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Tests.Manifests;

public sealed class ManifestReaderTests
{
    private static ManifestReadResult Read(string text, ManifestReaderOptions? options = null, bool? json = null) =>
        new ManifestReader(options).ReadText("m.yaml", text, json);

    private static string[] Errors(ManifestReadResult r) => [.. r.Errors.Select(e => e.ToString())];

    [Fact]
    public void Read_ExamplesDirectory_EveryKindValid()
    {
        var r = new ManifestReader().Read([Path.Combine(TestFiles.RepoRoot, "examples", "foundation")]);
        Assert.Empty(Errors(r));
        var kinds = r.Objects.Select(o => o.Kind!).Distinct().ToHashSet();
        foreach (var k in ResourceKinds.All) Assert.Contains(k, kinds);
    }

    [Fact]
    public void Read_ThreeErrorsInThreeDocuments_ReportsAllWithLineAndPath()
    {
        var file = TestFiles.TestData("three-errors.yaml");
        var r = new ManifestReader().Read([file]);
        Assert.Equal(
        [
            $"{file}:7: Service default/web: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            $"{file}:17: Pod default/p: spec.containers[0].bogus: unknown field \"bogus\"",
            $"{file}:30: Deployment default/d: spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
        ], Errors(r));
        Assert.False(r.Ok);
    }

    [Fact]
    public void Read_MultiDocumentYaml_EachDocumentKeepsItsLine()
    {
        var r = Read("# c\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
        Assert.True(r.Ok);
        Assert.Equal([2, 8], r.Objects.Select(o => o.Line));
        Assert.Equal(["a", "b"], r.Resources.Select(o => o.Metadata.Name));
    }

    [Fact]
    public void Read_KindList_FlattensItemsWithTheirLines()
    {
        var text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n  data: {k: 1}\n";
        var r = Read(text);
        Assert.Equal([4, 7], r.Objects.Select(o => o.Line));
        Assert.Equal(["m.yaml:10: ConfigMap default/b: data[k]: expected string, got number"], Errors(r));
    }

    [Fact]
    public void Read_JsonStream_ParsesEveryValueWithLines()
    {
        var text = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}\n{\n \"apiVersion\":\"v1\",\n \"kind\":\"ConfigMap\",\n \"metadata\":{\"name\":\"b\"},\n \"data\":{\"k\":true}\n}\n";
        var r = Read(text, json: true);
        Assert.Equal(["m.yaml:6: ConfigMap default/b: data[k]: expected string, got boolean"], Errors(r));
        Assert.Equal([1, 2], r.Objects.Select(o => o.Line));
    }

    [Fact]
    public void Read_JsonFile_TypeMismatchAtLine()
    {
        var file = TestFiles.TestData("bad.json");
        var r = new ManifestReader().Read([file]);
        Assert.Equal([$"{file}:5: ConfigMap default/x: data[a]: expected string, got number"], Errors(r));
    }

    [Fact]
    public void Read_YamlScalars_FollowCoreSchema()
    {
        var r = Read("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    v: \"1.0\"\n    w: 1.0\n    x: yes\n    y: true\n");
        Assert.Equal(
        [
            "m.yaml:7: ConfigMap default/a: metadata.labels[w]: expected string, got number",
            "m.yaml:9: ConfigMap default/a: metadata.labels[y]: expected string, got boolean",
        ], Errors(r));
    }

    [Fact]
    public void Read_DuplicateYamlKey_ReportsBothLines()
    {
        var file = TestFiles.TestData("duplicate-key.yaml");
        var r = new ManifestReader().Read([file]);
        Assert.Equal([$"{file}:5: mapping key \"name\" already defined at line 4"], Errors(r));
    }

    [Fact]
    public void Read_AnchorsAndAliases_AreExpanded()
    {
        var r = Read("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l {app: web}\n  annotations: *l\ndata:\n  <<: {merged: \"yes\"}\n  own: x\n");
        Assert.True(r.Ok, string.Join("\n", Errors(r)));
        var cm = Assert.IsType<V1ConfigMap>(r.Objects[0].Object);
        Assert.Equal("web", cm.Metadata.Annotations["app"]);
        Assert.Equal("yes", cm.Data["merged"]);
    }

    [Fact]
    public void Read_SyntaxError_ReportedAndOtherFilesStillRead()
    {
        var bad = TestFiles.TestData("bad-syntax.yaml");
        var good = TestFiles.TestData("../../../../examples/foundation/00-namespace.yaml");
        var r = new ManifestReader().Read([bad, good]);
        var e = Assert.Single(r.Errors);
        Assert.StartsWith($"{bad}:", e.ToString());
        Assert.Contains("yaml:", e.Message);
        Assert.True(e.Line >= 6);
        Assert.Contains(r.Objects, o => o.Object is V1Namespace);
    }

    [Fact]
    public void Read_UnknownKind_ListsKnownKinds()
    {
        var file = TestFiles.TestData("unknown-kind.yaml");
        var r = new ManifestReader().Read([file]);
        var e = Assert.Single(r.Errors);
        Assert.StartsWith($"{file}:2: Pdo default/typo: kind: unknown kind \"Pdo\"; known kinds: Namespace, GatewayClass,", e.ToString());
    }

    [Fact]
    public void Read_NamespaceOmitted_DefaultsOrOverride()
    {
        const string Text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
        Assert.Equal("default", Read(Text).Resources.Single().Metadata.NamespaceProperty);
        Assert.Equal("dev", Read(Text, new ManifestReaderOptions { NamespaceOverride = "dev" }).Resources.Single().Metadata.NamespaceProperty);
    }

    [Fact]
    public void Read_OverrideDiffersFromObjectNamespace_Error()
    {
        var r = Read("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: prod\n", new ManifestReaderOptions { NamespaceOverride = "dev" });
        Assert.Equal(["m.yaml:5: ConfigMap prod/a: metadata.namespace: the namespace from the provided object \"prod\" does not match the namespace \"dev\"; pass --namespace=prod or remove it from the object"], Errors(r));
    }

    [Fact]
    public void Read_ClusterScopedWithNamespace_Forbidden()
    {
        var r = Read("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  namespace: b\n");
        Assert.Equal(["m.yaml:5: Namespace a: metadata.namespace: Forbidden: not allowed on this type"], Errors(r));
    }

    [Fact]
    public void Read_UnknownFieldAndInvalidValues_AllReportedAtOnce()
    {
        var r = Read("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  bogus: 1\n  rules:\n"
            + "  - matches: [{path: {type: PathPrefix, value: nope}}]\n    backendRefs: [{name: a, port: 99999, extra: x}]\n");
        Assert.Equal(
        [
            "m.yaml:5: HTTPRoute default/r: spec.bogus: unknown field \"bogus\"",
            "m.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: Invalid value: \"nope\": must be an absolute path starting with '/' for PathPrefix matches",
            "m.yaml:8: HTTPRoute default/r: spec.rules[0].backendRefs[0].extra: unknown field \"extra\"",
            "m.yaml:8: HTTPRoute default/r: spec.rules[0].backendRefs[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive",
        ], Errors(r));
    }

    [Fact]
    public void Read_FieldOfTheWrongType_ReportedOnceNotAlsoAsMissing()
    {
        var r = Read("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {name: a, port: x}\n  - {name: a, port: 81}\n");
        Assert.Equal(
        [
            "m.yaml:6: Service default/s: spec.ports[0].port: expected integer, got string",
            "m.yaml:7: Service default/s: spec.ports[1].name: Duplicate value: \"a\"",
        ], Errors(r));
    }

    [Fact]
    public void Read_ArrayElementOfTheWrongType_OnlyThatReported()
    {
        // Leaving the element out would renumber the ones after it, so the object's other checks are not run.
        var r = Read("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - 80\n  - {port: 0}\n");
        Assert.Equal(["m.yaml:6: Service default/s: spec.ports[0]: expected object, got number"], Errors(r));
    }

    [Fact]
    public void Read_DuplicateObjects_ErrorAtSecond()
    {
        var r = Read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n");
        Assert.Equal(["m.yaml:5: ConfigMap default/a: duplicate object: already defined at m.yaml:1"], Errors(r));
    }

    [Fact]
    public void Read_Directory_RecursiveSortedOnlyManifestExtensions()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        Directory.CreateDirectory(Path.Combine(dir, "b"));
        File.WriteAllText(Path.Combine(dir, "b", "x.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bx}\n");
        File.WriteAllText(Path.Combine(dir, "a.json"), "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}");
        File.WriteAllText(Path.Combine(dir, "c.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not: [a manifest");
        var r = new ManifestReader().Read([dir]);
        Assert.True(r.Ok, string.Join("\n", Errors(r)));
        Assert.Equal(["a", "bx", "c"], r.Resources.Select(o => o.Metadata.Name));
    }

    [Fact]
    public void Read_ConfigMapVolumeDirectory_EachFileOnceHiddenEntriesSkipped()
    {
        // The layout kubelet gives a mounted ConfigMap: the files are links into ..data, itself a link to a timestamped
        // directory that the next update replaces.
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var version = Path.Combine(dir, "..2026_11_27_06_00_00.123456789");
        Directory.CreateDirectory(version);
        File.WriteAllText(Path.Combine(version, "gw.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gw}\n");
        Directory.CreateSymbolicLink(Path.Combine(dir, "..data"), Path.GetFileName(version));
        File.CreateSymbolicLink(Path.Combine(dir, "gw.yaml"), Path.Combine("..data", "gw.yaml"));
        File.WriteAllText(Path.Combine(dir, ".gw.yaml.swp"), "an editor's");
        File.WriteAllText(Path.Combine(dir, ".draft.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gw}\n");
        var r = new ManifestReader().Read([dir]);
        Assert.True(r.Ok, string.Join("\n", Errors(r)));
        Assert.Equal([Path.Combine(dir, "gw.yaml")], r.Objects.Select(o => o.Source));
    }

    [Fact]
    public void Read_HiddenFileNamedExplicitly_Read()
    {
        using var temp = new TempDirectory();
        var dir = temp.Path;
        var hidden = Path.Combine(dir, ".gateway.yaml");
        File.WriteAllText(hidden, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: g}\n");
        var r = new ManifestReader().Read([hidden]);
        Assert.True(r.Ok, string.Join("\n", Errors(r)));
        Assert.Equal(["g"], r.Resources.Select(o => o.Metadata.Name));
    }

    [Fact]
    public void Read_Stdin_ReadsFromInjectedReader()
    {
        var options = new ManifestReaderOptions { Stdin = () => new StringReader("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata: {k: 2}\n") };
        var r = new ManifestReader(options).Read(["-"]);
        Assert.Equal(["<stdin>:4: ConfigMap default/s: data[k]: expected string, got number"], Errors(r));
    }

    [Fact]
    public void Read_MissingPath_Error()
    {
        var r = new ManifestReader().Read(["/nonexistent/manifests.yaml"]);
        Assert.Equal(["/nonexistent/manifests.yaml: no such file or directory"], Errors(r));
    }

    [Fact]
    public void Read_ValidationErrorInNestedField_PointsAtThatLine()
    {
        var r = Read("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - name: http\n    port: 80\n  - name: http\n    port: 81\n    targetPort: -1\n");
        Assert.Equal(
        [
            "m.yaml:9: Service default/web: spec.ports[1].name: Duplicate value: \"http\"",
            "m.yaml:11: Service default/web: spec.ports[1].targetPort: Invalid value: -1: must be between 1 and 65535, inclusive",
        ], Errors(r));
    }

    [Fact]
    public void Read_EmptyDocuments_Skipped()
    {
        var r = Read("---\n# only a comment\n---\n");
        Assert.True(r.Ok);
        Assert.Empty(r.Objects);
    }

    /// <summary>A directory of its own under the temporary directory, deleted with everything in it at the end.</summary>
    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("manifests-test").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
