/**
 * What the bench may use of the API: its keys and API state, the
 * pieces of its HTTP pipeline that the framework-ceiling bench mounts alone, and how the
 * command runner derives event ids. The dependency rules hold them to this entry; the test
 * suites may look further in.
 */
export { Public, Roles } from './auth/auth.decorators';
export { ApiKeyError, ApiKeys, hashKey, LastAdminKeyError, type KeyView } from './auth/api-keys.service';
export { AuthGuard } from './auth/auth.guard';
export { ROLES, type Role } from './auth/principal';
export { ReportProgressDto } from './commitments/commitment.dto';
export { ProblemDetailsFilter } from './http/problem-details.filter';
export { createValidationPipe } from './http/validation.pipe';
export type { ApiKeyRecord, ApiStateStore } from './infrastructure/state/api-state.port';
export { openApiState } from './infrastructure/state/open-api-state';
export { eventIdFor } from './pipeline/command-runner';
export { serve } from './serve';
export { readApiConfig } from './infrastructure/api-config';
