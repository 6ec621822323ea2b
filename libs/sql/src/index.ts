export * from './sql-db';
export * from './sqlite-db';
export * from './postgres-db';
