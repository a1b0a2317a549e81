//! The engine: applies plans to SQLite files and runs jobs. The only IO of the platform.
