//! Connections a run keeps open from one batch to the next.
//!
//! Opening a SQLite database is cheap, but its first statement parses the
//! whole schema, and the merge database of a platform with 1,000 streams
//! holds thousands of tables and indexes: re-opening it for every batch cost
//! more than the batches' own work. Inside a [`Session`] (a run), a
//! connection the engine is done with goes back to the pool, and the next
//! open of the same file, the same way, takes it back. Outside one, every
//! open is fresh, as before, so nothing holds a file between runs (a state
//! directory moved or deleted between runs is seen as such).
//!
//! A connection returns to the pool only as it was opened: no transaction
//! open (a rolled-back one is already closed), and attached to exactly the
//! databases its [`Pooled::attached`] lists (a batch's export containers,
//! which the next batch most often exports to too).

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;

/// How a pooled connection was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read and write, with [`super::open_db`]'s settings.
    Write,
    /// Read only ([`super::open_read_only`]).
    Read,
    /// A source: read only, never written, not even to roll a journal back.
    Source,
}

/// The idle connections, while a session is open.
#[derive(Default)]
struct Idle {
    /// Open sessions (nested runs share the pool).
    sessions: usize,
    connections: Vec<Kept>,
}

/// An idle connection, what it opened and what it has attached.
struct Kept {
    path: PathBuf,
    access: Access,
    conn: Connection,
    attached: Vec<PathBuf>,
}

/// The engine's pool, shared by its clones.
#[derive(Clone, Default)]
pub(crate) struct Pool(Arc<Mutex<Idle>>);

impl Pool {
    fn idle(&self) -> std::sync::MutexGuard<'_, Idle> {
        // A panic while holding the lock left at worst a connection less.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a session: until it drops, connections are kept.
    pub(crate) fn session(&self) -> Session {
        self.idle().sessions += 1;
        Session(self.clone())
    }

    /// An idle connection to `path` opened for `access`, or a new one.
    pub(crate) fn get<E>(
        &self,
        path: &Path,
        access: Access,
        open: impl FnOnce(&Path) -> Result<Connection, E>,
    ) -> Result<Pooled, E> {
        let kept = {
            let mut idle = self.idle();
            idle.connections
                .iter()
                .position(|k| k.path == path && k.access == access)
                .map(|i| idle.connections.swap_remove(i))
        };
        let (conn, attached) = match kept {
            Some(k) => (k.conn, k.attached),
            None => (open(path)?, Vec::new()),
        };
        Ok(Pooled {
            pool: self.clone(),
            path: path.to_path_buf(),
            access,
            conn: Some(conn),
            attached,
        })
    }

    fn put(&self, kept: Kept) {
        let mut idle = self.idle();
        if idle.sessions > 0
            && kept.conn.is_autocommit()
            && attached(&kept.conn) == Some(kept.attached.len())
        {
            idle.connections.push(kept);
        }
    }
}

/// How many databases are attached to `conn`, beside `main` and `temp`.
fn attached(conn: &Connection) -> Option<usize> {
    conn.query_row(
        "SELECT count(*) FROM pragma_database_list WHERE name NOT IN ('main', 'temp')",
        [],
        |r| r.get::<_, i64>(0),
    )
    .ok()
    .and_then(|n| usize::try_from(n).ok())
}

/// An open session; dropping it closes the idle connections.
pub(crate) struct Session(Pool);

impl Drop for Session {
    fn drop(&mut self) {
        let closing = {
            let mut idle = self.0.idle();
            idle.sessions = idle.sessions.saturating_sub(1);
            if idle.sessions == 0 {
                std::mem::take(&mut idle.connections)
            } else {
                Vec::new()
            }
        };
        drop(closing);
    }
}

/// A connection from the pool, back to it when dropped.
pub(crate) struct Pooled {
    pool: Pool,
    path: PathBuf,
    access: Access,
    conn: Option<Connection>,
    /// The files attached as `c0`, `c1`, … in order: whoever attaches or
    /// detaches keeps this true.
    pub(crate) attached: Vec<PathBuf>,
}

impl Deref for Pooled {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Present from `get` until `drop`.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.put(Kept {
                path: std::mem::take(&mut self.path),
                access: self.access,
                conn,
                attached: std::mem::take(&mut self.attached),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("datasurface-pool-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn open(path: &Path) -> rusqlite::Result<Connection> {
        Connection::open(path)
    }

    /// A temporary table lives as long as its connection: whether it is
    /// still there says whether the connection was kept.
    fn mark(conn: &Connection) {
        conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS here (x)")
            .unwrap();
    }

    fn marked(conn: &Connection) -> bool {
        conn.query_row(
            "SELECT count(*) FROM temp.sqlite_master WHERE name = 'here'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            == 1
    }

    #[test]
    fn a_session_keeps_connections_and_only_a_session() {
        let dir = dir("session");
        let (db, other) = (dir.join("a.sqlite"), dir.join("b.sqlite"));
        let pool = Pool::default();
        mark(&pool.get(&db, Access::Write, open).unwrap());
        assert!(
            !marked(&pool.get(&db, Access::Write, open).unwrap()),
            "kept with no session"
        );
        {
            let _session = pool.session();
            mark(&pool.get(&db, Access::Write, open).unwrap());
            assert!(marked(&pool.get(&db, Access::Write, open).unwrap()));
            assert!(
                !marked(&pool.get(&db, Access::Read, open).unwrap()),
                "another access"
            );
            assert!(
                !marked(&pool.get(&other, Access::Write, open).unwrap()),
                "another file"
            );
            // Two at once: the second is another connection.
            let first = pool.get(&db, Access::Write, open).unwrap();
            assert!(marked(&first));
            assert!(!marked(&pool.get(&db, Access::Write, open).unwrap()));
        }
        assert!(
            !marked(&pool.get(&db, Access::Write, open).unwrap()),
            "closed with the session"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_connection_in_a_transaction_or_attached_unawares_is_not_kept() {
        let dir = dir("state");
        let db = dir.join("a.sqlite");
        let pool = Pool::default();
        let _session = pool.session();
        {
            let conn = pool.get(&db, Access::Write, open).unwrap();
            mark(&conn);
            conn.execute_batch("BEGIN; CREATE TABLE t (x)").unwrap();
        }
        let conn = pool.get(&db, Access::Write, open).unwrap();
        assert!(!marked(&conn), "a transaction was left open");
        mark(&conn);
        conn.execute(
            "ATTACH DATABASE ?1 AS c0",
            [dir.join("c.sqlite").to_string_lossy()],
        )
        .unwrap();
        drop(conn);
        assert!(
            !marked(&pool.get(&db, Access::Write, open).unwrap()),
            "attached, not listed"
        );
        // Listed, it is kept, attached.
        let mut conn = pool.get(&db, Access::Write, open).unwrap();
        mark(&conn);
        conn.execute(
            "ATTACH DATABASE ?1 AS c0",
            [dir.join("c.sqlite").to_string_lossy()],
        )
        .unwrap();
        conn.attached.push(dir.join("c.sqlite"));
        drop(conn);
        let conn = pool.get(&db, Access::Write, open).unwrap();
        assert!(marked(&conn));
        assert_eq!(conn.attached, [dir.join("c.sqlite")]);
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
