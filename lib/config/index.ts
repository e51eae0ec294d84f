export * from './jurisdictions';
export * from './schema';
export * from './load';
export { endpointsFor } from './voice-path-checks';
export { SIGNATURE_SCHEMES } from './voice-path-schema';
