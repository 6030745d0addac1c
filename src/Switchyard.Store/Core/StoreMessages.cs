namespace Switchyard.Store.Core;

/// <summary>The texts of expected write failures, in one place so every store says the same thing.</summary>
internal static class StoreMessages
{
    public static string NotFound(string obj) => $"{obj} not found";

    public static string AlreadyExists(string obj) => $"{obj} already exists";

    public static string Stale(string obj, string given, long current) =>
        $"{obj}: the object has been modified; resourceVersion {given} is stale, current is {current}";

    public static string UidMismatch(string obj, string given, string stored) =>
        $"{obj}: uid {given} does not match the stored object's uid {stored}";
}
