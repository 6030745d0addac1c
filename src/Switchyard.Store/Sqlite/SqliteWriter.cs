using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Switchyard.Store.Core;

namespace Switchyard.Store.Sqlite;

/// <summary>
/// The one writer of <c>state.db</c>, on its own thread, with group commit: it takes every write
/// waiting in the queue (up to <see cref="MaxBatchOperations"/> operations), plans each transaction
/// in order on top of the ones before it, writes them all in one SQLite transaction, and only after
/// that commit is durable applies them to the in-memory state, publishes the events and
/// acknowledges each caller. One fsync then covers many writers. A transaction that fails its own
/// checks (conflict, not found, ...) writes nothing and does not affect the others in the batch.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    public const int MaxBatchOperations = 4096;

    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly StoreCore _core;
    private readonly int _retention;
    private readonly long _compactionStep;
    private readonly Thread _thread;
    private readonly SqliteCommand _upsertObject;
    private readonly SqliteCommand _deleteObject;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _setMeta;
    private readonly SqliteCommand _compact;
    private long _compacted;

    public SqliteWriter(SqliteConnection connection, StoreCore core, long compacted)
    {
        _connection = connection;
        _core = core;
        _compacted = compacted;
        _retention = core.Options.EventRetention;
        _compactionStep = Math.Max(1, _retention / 16);
        _upsertObject = Command(
            "INSERT INTO objects (kind, namespace, name, revision, json) VALUES ($kind, $ns, $name, $rev, $json) " +
            "ON CONFLICT (kind, namespace, name) DO UPDATE SET revision = excluded.revision, json = excluded.json;",
            "$kind", "$ns", "$name", "$rev", "$json");
        _deleteObject = Command("DELETE FROM objects WHERE kind = $kind AND namespace = $ns AND name = $name;", "$kind", "$ns", "$name");
        _insertEvent = Command(
            "INSERT INTO events (revision, type, kind, namespace, name, json, labels, prev_json, prev_labels) " +
            "VALUES ($rev, $type, $kind, $ns, $name, $json, $labels, $prev_json, $prev_labels);",
            "$rev", "$type", "$kind", "$ns", "$name", "$json", "$labels", "$prev_json", "$prev_labels");
        _setMeta = Command("UPDATE meta SET value = $value WHERE key = $key;", "$key", "$value");
        _compact = Command("DELETE FROM events WHERE revision <= $cut;", "$cut");
        _thread = new Thread(Run) { IsBackground = true, Name = "switchyard-sqlite-writer" };
        _thread.Start();
    }

    public Task<TransactionResult> EnqueueAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken)
    {
        var write = new PendingWrite(operations, cancellationToken);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(write), typeof(SqliteResourceStore));
        return write.Completion.Task;
    }

    /// <summary>Stops taking writes, finishes the queued ones, and waits for the writer thread.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join();
        foreach (var c in new[] { _upsertObject, _deleteObject, _insertEvent, _setMeta, _compact }) c.Dispose();
    }

    private void Run()
    {
        var batch = new List<PendingWrite>();
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            var operations = 0;
            while (operations < MaxBatchOperations && reader.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Completion.TrySetCanceled(write.CancellationToken);
                    continue;
                }
                batch.Add(write);
                operations += write.Operations.Count;
            }
            if (batch.Count > 0) CommitBatch(batch);
        }
    }

    private void CommitBatch(List<PendingWrite> batch)
    {
        var state = new PendingState(_core.State);
        var revision = _core.State.Revision;
        var events = new List<StoreEvent>();
        var results = new TransactionResult?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                var plan = _core.Planner.Plan(batch[i].Operations, state, revision);
                results[i] = plan.Result;
                if (!plan.Committed || plan.Events.Count == 0) continue;
                state.Merge(plan.Changes);
                events.AddRange(plan.Events);
                revision = plan.Result.Revision;
            }
            catch (Exception e)
            {
                // A bug in the caller's input (no name, no object): only that write fails.
                batch[i].Completion.TrySetException(e);
            }
        }

        if (events.Count > 0)
        {
            try
            {
                Persist(events, revision);
            }
            catch (Exception e)
            {
                // I/O failure: nothing of this batch is committed; every writer in it hears why.
                foreach (var w in batch) w.Completion.TrySetException(e);
                return;
            }
            _core.State.Apply(state.Changes, revision);
            _core.Hub.Publish(events);
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i] is { } r) batch[i].Completion.TrySetResult(r);
        }
    }

    private void Persist(List<StoreEvent> events, long revision)
    {
        using var tx = _connection.BeginTransaction();
        foreach (var cmd in new[] { _upsertObject, _deleteObject, _insertEvent, _setMeta, _compact }) cmd.Transaction = tx;
        foreach (var e in events)
        {
            if (e.Type == WatchEventType.Deleted)
            {
                Run(_deleteObject, e.Key.Kind, e.Key.Namespace, e.Key.Name);
            }
            else
            {
                Run(_upsertObject, e.Key.Kind, e.Key.Namespace, e.Key.Name, e.Revision, e.Json);
            }
            Run(_insertEvent, e.Revision, (int)e.Type, e.Key.Kind, e.Key.Namespace, e.Key.Name, e.Json,
                LabelsCodec.Encode(e.Labels), e.PreviousJson, LabelsCodec.Encode(e.PreviousLabels));
        }
        Run(_setMeta, "revision", revision);
        var cut = revision - _retention;
        var compacted = _compacted;
        if (cut >= _compacted + _compactionStep)
        {
            Run(_compact, cut);
            Run(_setMeta, "compacted", cut);
            compacted = cut;
        }
        tx.Commit();
        _compacted = compacted;
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter { ParameterName = p });
        return cmd;
    }

    private static void Run(SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        cmd.ExecuteNonQuery();
    }

    private sealed class PendingWrite(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken)
    {
        public IReadOnlyList<StoreOperation> Operations { get; } = operations;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<TransactionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
