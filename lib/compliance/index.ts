export * from './acknowledge';
export * from './packs';
export * from './voice-platform-checks';
