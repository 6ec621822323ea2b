import { writeContractReport } from './contract';

// Jest's setupFilesAfterEnv: after each suite file, what its contract check validated goes to
// reports/contract/ for the global teardown to sum (support/contract.ts).
afterAll(() => writeContractReport());
