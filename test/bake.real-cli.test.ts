// The bundled bake action driving the real depot CLI against the local Depot API double.
import { afterEach, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { startDepotApi, type DepotApi } from './doubles/depot-api';
import { fieldMessages, fieldStrings, type ProtoMessage } from './doubles/protobuf';
import { allText, REPO_ROOT, runAction, type ActionResult } from './harness/runner';

const CLI_DIR = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin');
const HCL = join(REPO_ROOT, 'test', 'fixtures', 'bake', 'hcl');
const TOKEN = 'depot_bake_contract_token_5d4c3b';

let api: DepotApi | undefined;
let result: ActionResult | undefined;
afterEach(async () => {
  await api?.close();
  await result?.cleanup();
});

describe('bake with the real depot CLI', () => {
  test('one CreateBuild per project, carrying the requested targets with their tags', async () => {
    let builds = 0;
    api = await startDepotApi({
      error: { code: 'resource_exhausted', message: 'Unable to acquire machine, please retry' },
      handlers: {
        // CreateBuildResponse: 1 build_id, 2 build_token; each project gets its own build.
        CreateBuild: () => {
          builds += 1;
          return {
            message: [
              { field: 1, value: `bld_${builds}` },
              { field: 2, value: `build-token-${builds}` },
            ],
          };
        },
      },
    });
    result = await runAction('bake', {
      inputs: {
        token: TOKEN,
        workdir: HCL,
        project: 'prj_default',
        targets: 'app,worker',
        vars: 'TAG=v3',
        push: 'true',
      },
      prependPath: [CLI_DIR],
      env: {
        DEPOT_API_URL: api.url,
        DEPOT_NO_UPDATE_NOTIFIER: '1',
        DEPOT_ERROR_TELEMETRY: '0',
        DEPOT_DISABLE_OTEL: '1',
      },
    });

    expect(result.main.exitCode).toBe(1);
    const creates = api.requestsTo('CreateBuild');
    for (const create of creates) expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // CreateBuildRequest: 1 project_id, 2 BuildOptions per target {2 tags, 6 target}. The CLI makes
    // one build per project, in no fixed order: app routes to its project_id from the HCL file,
    // worker (and the base it depends on) to the project input.
    const byProject = Object.fromEntries(
      creates.map((c) => [
        fieldStrings(c.body as ProtoMessage, [1])[0],
        Object.fromEntries(
          fieldMessages(c.body as ProtoMessage, [2]).map((o) => [
            fieldStrings(o, [6])[0],
            fieldStrings(o, [2]),
          ]),
        ),
      ]),
    );
    expect(byProject).toEqual({
      prj_app: { app: ['registry.example/app:v3'] },
      prj_default: { worker: ['registry.example/worker:v3'], base: [] },
    });
    const [error] = result.annotations.filter((a) => a.level === 'error');
    expect(error.message).toContain('Unable to acquire machine, please retry');
    expect(error.message).toContain('Hint: No builder was available');
    expect(
      allText(result)
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain(TOKEN);
  });
});
