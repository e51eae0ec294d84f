export * from './cell-templates';
export * from './designed';
export * from './reachability';
