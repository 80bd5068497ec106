export * from './adapter-base';
export * from './commands';
export * from './earlier-build';
export * from './identity';
export * from './private-files';
export * from './report-files';
export * from './runner';
export * from './shell';
