using System.Text.Json;
using System.Text.Json.Serialization;

namespace Switchyard.Cli.Client;

/// <summary>
/// What <c>switchyard up</c> records in <c>$XDG_CONFIG_HOME/switchyard/current.json</c> so that other
/// commands find the running control plane: its URL, its token file and its state directory.
/// </summary>
internal sealed record CurrentContext(
    [property: JsonPropertyName("server")] string Server,
    [property: JsonPropertyName("tokenFile")] string TokenFile,
    [property: JsonPropertyName("stateDir")] string? StateDir)
{
    public const string FileName = "current.json";

    public static string PathIn(string configDirectory) => Path.Combine(configDirectory, FileName);

    /// <summary>The recorded context, or null when there is none or it cannot be read.</summary>
    public static CurrentContext? Read(string configDirectory)
    {
        try
        {
            var path = PathIn(configDirectory);
            if (!File.Exists(path)) return null;
            var context = JsonSerializer.Deserialize(File.ReadAllText(path), CurrentContextJson.Default.CurrentContext);
            return context is { Server.Length: > 0 } ? context : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public void Write(string configDirectory)
    {
        Directory.CreateDirectory(configDirectory);
        var path = PathIn(configDirectory);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, CurrentContextJson.Default.CurrentContext));
        File.Move(temp, path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(CurrentContext))]
internal sealed partial class CurrentContextJson : JsonSerializerContext;
