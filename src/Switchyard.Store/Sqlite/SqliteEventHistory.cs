using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using Switchyard.Model.Resources;
using Switchyard.Store.Core;

namespace Switchyard.Store.Sqlite;

/// <summary>
/// The events table as watch history. Each read runs in its own read transaction (a WAL snapshot),
/// so the page and the compaction mark it is checked against are consistent.
/// </summary>
internal sealed class SqliteEventHistory(string connectionString, IReadOnlyDictionary<string, ResourceKind> kinds) : IEventHistory
{
    public ValueTask<HistoryPage> ReadAsync(long after, WatchFilter filter, int limit, CancellationToken cancellationToken)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        SqliteSchema.ConfigureReader(connection);
        using var tx = connection.BeginTransaction(deferred: true);
        var (revision, compacted) = ReadMeta(connection, tx);
        if (after < compacted) return ValueTask.FromResult(new HistoryPage([], compacted, after));

        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        var where = "revision > $after";
        if (filter.Kind is not null)
        {
            where += " AND kind = $kind";
            cmd.Parameters.AddWithValue("$kind", filter.Kind.Key);
        }
        if (filter.Namespace is not null)
        {
            where += " AND namespace = $ns";
            cmd.Parameters.AddWithValue("$ns", filter.Namespace);
        }
        cmd.CommandText = $"SELECT revision, type, kind, namespace, name, json, labels, prev_json, prev_labels FROM events WHERE {where} ORDER BY revision LIMIT $limit;";
        cmd.Parameters.AddWithValue("$after", after);
        cmd.Parameters.AddWithValue("$limit", limit);
        var events = new List<StoreEvent>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                events.Add(ReadEvent(reader));
            }
        }
        var scanned = events.Count == limit ? events[^1].Revision : Math.Max(after, revision);
        return ValueTask.FromResult(new HistoryPage(events, compacted, scanned));
    }

    internal static (long Revision, long Compacted) ReadMeta(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT key, value FROM meta WHERE key IN ('revision', 'compacted');";
        long revision = 0, compacted = 0;
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            if (reader.GetString(0) == "revision") revision = reader.GetInt64(1);
            else compacted = reader.GetInt64(1);
        }
        return (revision, compacted);
    }

    private StoreEvent ReadEvent(SqliteDataReader r)
    {
        var kindKey = r.GetString(2);
        if (!kinds.TryGetValue(kindKey, out var kind)) throw new InvalidDataException($"state.db has an event for unknown kind '{kindKey}'");
        return new StoreEvent(
            (WatchEventType)r.GetInt32(1),
            kind,
            new StoreKey(kindKey, r.GetString(3), r.GetString(4)),
            r.GetInt64(0),
            (byte[])r.GetValue(5),
            LabelsCodec.Decode(r.IsDBNull(6) ? null : r.GetString(6)),
            r.IsDBNull(7) ? null : (byte[])r.GetValue(7),
            LabelsCodec.Decode(r.IsDBNull(8) ? null : r.GetString(8)));
    }
}

/// <summary>Labels as a JSON map in a TEXT column.</summary>
internal static class LabelsCodec
{
    public static string? Encode(IDictionary<string, string>? labels) =>
        labels is null ? null : JsonSerializer.Serialize(labels, LabelsJson.Default.IDictionaryStringString);

    public static IDictionary<string, string>? Decode(string? text) =>
        text is null ? null : JsonSerializer.Deserialize(text, LabelsJson.Default.DictionaryStringString);
}

[JsonSerializable(typeof(IDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class LabelsJson : JsonSerializerContext;
