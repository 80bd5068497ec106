import { main } from './run';

// The bundle the component runs: dist/gitlab/index.js, `node index.mjs install|build|bake|pull`.
process.exitCode = await main(process.argv.slice(2), process.env);
