export * from './cdk';
export * from './cli';
export * from './environment';
export * from './main';
export * from './preflight';
export * from './stateful-inventory';
export * from './image-contract';
export * from './stack-state';
