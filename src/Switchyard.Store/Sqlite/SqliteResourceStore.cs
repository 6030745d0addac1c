using k8s;
using k8s.Models;
using Microsoft.Data.Sqlite;
using Switchyard.Model.Resources;
using Switchyard.Store.Core;

namespace Switchyard.Store.Sqlite;

/// <summary>
/// The embedded, durable store: <c>&lt;state-dir&gt;/state.db</c>, SQLite in WAL mode with
/// synchronous=FULL, written by one writer thread with group commit. A write is acknowledged only
/// after its transaction is on disk. Reads are served from an in-memory copy of the current
/// objects (loaded at open, updated after each commit); watch history comes from the events table,
/// so a watcher can resume from a revision across restarts. One process owns a state directory at a
/// time (<c>state.lock</c>).
/// </summary>
public sealed class SqliteResourceStore : IResourceStore
{
    public const string DatabaseFileName = "state.db";
    public const string LockFileName = "state.lock";

    private readonly StoreCore _core;
    private readonly SqliteConnection _connection;
    private readonly SqliteWriter _writer;
    private readonly FileStream _lock;
    private readonly string _readConnectionString;
    private int _disposed;

    private SqliteResourceStore(StoreCore core, SqliteConnection connection, SqliteWriter writer, FileStream lockFile, string readConnectionString, string path)
    {
        _core = core;
        _connection = connection;
        _writer = writer;
        _lock = lockFile;
        _readConnectionString = readConnectionString;
        DatabasePath = path;
    }

    public string DatabasePath { get; }

    /// <summary>
    /// Opens (creating if needed) the store in <paramref name="stateDirectory"/>, migrating the schema
    /// and loading the current objects. Fails if another process has the directory open.
    /// </summary>
    public static SqliteResourceStore Open(string stateDirectory, ResourceStoreOptions? options = null)
    {
        var o = (options ?? new ResourceStoreOptions()).ValidatedCopy();
        Directory.CreateDirectory(stateDirectory);
        var lockFile = AcquireLock(stateDirectory);
        SqliteConnection? connection = null;
        try
        {
            var path = Path.GetFullPath(Path.Combine(stateDirectory, DatabaseFileName));
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            SqliteSchema.ConfigureWriter(connection);
            SqliteSchema.Migrate(connection, path);

            var readConnectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
            var kinds = ResourceKinds.All.ToDictionary(k => k.Key, StringComparer.Ordinal);
            var core = new StoreCore(o, new SqliteEventHistory(readConnectionString, kinds));
            var (revision, compacted) = SqliteEventHistory.ReadMeta(connection, null);
            core.State.Apply(LoadObjects(connection, kinds), revision);
            var writer = new SqliteWriter(connection, core, compacted);
            return new SqliteResourceStore(core, connection, writer, lockFile, readConnectionString, path);
        }
        catch
        {
            connection?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_core.State.Revision);

    public ValueTask<IKubernetesObject<V1ObjectMeta>?> GetAsync(ObjectRef key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_core.Get(key));

    public ValueTask<ListResult> ListAsync(ListQuery query, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_core.List(query));

    public ValueTask<WriteResult> CreateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default) =>
        SingleAsync(StoreOperation.Create(obj), cancellationToken);

    public ValueTask<WriteResult> UpdateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default) =>
        SingleAsync(StoreOperation.Update(obj), cancellationToken);

    public ValueTask<WriteResult> DeleteAsync(ObjectRef key, string? expectedResourceVersion = null, CancellationToken cancellationToken = default) =>
        SingleAsync(StoreOperation.Delete(key, expectedResourceVersion), cancellationToken);

    public ValueTask<TransactionResult> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new(_writer.EnqueueAsync(operations, cancellationToken));
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(WatchQuery query, CancellationToken cancellationToken = default) =>
        _core.Watch(query, cancellationToken);

    /// <summary>Finishes queued writes, ends every watch, and closes the database.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        _writer.Dispose();
        _core.Hub.Close();
        _connection.Dispose();
        using (var c = new SqliteConnection(_readConnectionString)) SqliteConnection.ClearPool(c);
        _lock.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<WriteResult> SingleAsync(StoreOperation op, CancellationToken cancellationToken) =>
        (await CommitAsync([op], cancellationToken).ConfigureAwait(false)).Results[0];

    private static FileStream AcquireLock(string stateDirectory)
    {
        var path = Path.Combine(stateDirectory, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"state directory {stateDirectory} is in use by another Switchyard process ({e.Message})", e);
        }
    }

    private static IEnumerable<KeyValuePair<StoreKey, StoredObject?>> LoadObjects(SqliteConnection connection, Dictionary<string, ResourceKind> kinds)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT kind, revision, json FROM objects;";
        using var reader = cmd.ExecuteReader();
        var loaded = new List<KeyValuePair<StoreKey, StoredObject?>>();
        while (reader.Read())
        {
            var kindKey = reader.GetString(0);
            if (!kinds.TryGetValue(kindKey, out var kind)) throw new InvalidDataException($"state.db holds objects of unknown kind '{kindKey}'");
            var json = (byte[])reader.GetValue(2);
            var stored = StoredObject.From(kind, ResourceJson.Deserialize(kind, json), reader.GetInt64(1), json);
            loaded.Add(new(stored.Key, stored));
        }
        return loaded;
    }
}
