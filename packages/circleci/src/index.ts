import { main } from './run';

// The bundle the orb runs: dist/circleci/index.js, `node index.js install|build|bake|pull`.
process.exitCode = await main(process.argv.slice(2), process.env);
