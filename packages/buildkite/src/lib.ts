export * from './adapter';
export * from './context';
export * from './redact';
export * from './run';
