import { main } from './run';

// The bundle the plugin's hooks run: dist/buildkite/index.js, `node index.js install|build|bake|pull`.
process.exitCode = await main(process.argv.slice(2), process.env);
