export * from './backend.ts';
export { openSqliteBackend, type SqliteBackendOptions } from './sqlite/sqlite-backend.ts';
