using Microsoft.Data.Sqlite;

namespace Switchyard.Store.Sqlite;

/// <summary>
/// The layout of <c>state.db</c> and how to get there from any older layout. Version N of the
/// schema is reached by running <see cref="Migrations"/>[0..N-1] in order, each in one transaction;
/// <c>schema_version</c> records where a database is.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Migration i takes the database from version i to version i+1.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('revision', 0), ('compacted', 0);

        -- The current state: one row per object; json is UTF-8, metadata.resourceVersion = revision.
        CREATE TABLE objects (
            kind      TEXT    NOT NULL,  -- ResourceKind.Key: 'Service', 'Deployment.apps'
            namespace TEXT    NOT NULL,  -- '' for cluster-scoped kinds
            name      TEXT    NOT NULL,
            revision  INTEGER NOT NULL,
            json      BLOB    NOT NULL,
            PRIMARY KEY (kind, namespace, name)
        ) WITHOUT ROWID;

        -- Every change after meta.compacted, for watches that resume from a revision.
        CREATE TABLE events (
            revision    INTEGER PRIMARY KEY,
            type        INTEGER NOT NULL,  -- 0 Added, 1 Modified, 2 Deleted
            kind        TEXT    NOT NULL,
            namespace   TEXT    NOT NULL,
            name        TEXT    NOT NULL,
            json        BLOB    NOT NULL,  -- the object after the change (for Deleted: its last state)
            labels      TEXT,              -- JSON map of json's labels, for selector filtering
            prev_json   BLOB,              -- Modified with changed labels: the state before
            prev_labels TEXT
        );
        """,
    ];

    public static int CurrentVersion => Migrations.Length;

    public static void ConfigureWriter(SqliteConnection connection)
    {
        // WAL: readers never block the writer; synchronous=FULL: a commit is on disk (WAL fsynced)
        // before it is acknowledged, so acknowledged writes survive kill -9 and power loss.
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, "PRAGMA synchronous=FULL;");
        Execute(connection, "PRAGMA busy_timeout=5000;");
        Execute(connection, "PRAGMA foreign_keys=OFF;");
    }

    public static void ConfigureReader(SqliteConnection connection) => Execute(connection, "PRAGMA busy_timeout=5000;");

    /// <summary>Brings the database to <see cref="CurrentVersion"/>; refuses a database from a newer Switchyard.</summary>
    public static void Migrate(SqliteConnection connection, string path)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);");
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT MAX(version) FROM schema_version;";
            var version = read.ExecuteScalar() is long v ? (int)v : 0;
            if (version > CurrentVersion)
            {
                throw new InvalidOperationException(
                    $"{path} has schema version {version}, newer than this Switchyard understands ({CurrentVersion}); use a newer switchyard");
            }
            for (var i = version; i < CurrentVersion; i++)
            {
                using var tx = connection.BeginTransaction();
                Execute(connection, Migrations[i], tx);
                Execute(connection, $"DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ({i + 1});", tx);
                tx.Commit();
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
