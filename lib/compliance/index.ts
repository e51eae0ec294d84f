export * from './acknowledge';
export * from './packs';
export * from './voice-platform-checks';
export * from './deploy-safety-checks';
