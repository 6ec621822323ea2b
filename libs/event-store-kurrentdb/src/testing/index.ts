// Test doubles for the KurrentDB adapter, kept out of the production entry (../index.ts).
export * from './kurrentdb-emulator';
