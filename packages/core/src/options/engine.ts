import { text } from './schema';

/** The inputs that choose the engine, shared by build-push and bake (and the orb and plugin). */
export const engineInputs = {
  engine: text(
    'Engine that builds: auto (Depot when credentials resolve, else local Docker), depot, or local',
    {
      origin: 'depot-actions',
      default: 'auto',
      values: ['auto', 'depot', 'local'],
    },
  ),
  'fallback-timeout': text(
    'With buildx-fallback: seconds to wait for a Depot builder before building locally',
    {
      origin: 'depot-actions',
      default: '120',
      integer: true,
    },
  ),
} as const;
