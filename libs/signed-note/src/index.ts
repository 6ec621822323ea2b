export * from './types';
export * from './errors';
export { isKeyName } from './text';
export * from './keys';
export * from './note';
export * from './checkpoint';
export {
  cosignatureMessage,
  parseCosignature,
  COSIGNATURE_V1_BYTES,
  MAX_COSIGNATURE_TIMESTAMP,
  type Cosignature,
} from './cosignature';
export * from './signed-checkpoint';
