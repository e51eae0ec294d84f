export * from './aws';
export * from './check';
export * from './cli';
export * from './expectations';
export * from './main';
export * from './report';
export * from './run';
export * from './actions';
