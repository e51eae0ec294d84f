export * from './jurisdictions';
export * from './schema';
export * from './load';
