export * from './adapter';
export * from './commands';
export * from './context';
export * from './run';
