export * from './adapter';
export * from './context';
export * from './run';
export * from './sections';
