/**
 * The variable build-push and bake export their build-id in, for a later pull in the same job.
 * A module of its own: every engine step's entry names it, and none needs the pull options.
 */
export const LAST_BUILD_ID_ENV = 'DEPOT_ACTIONS_BUILD_ID';
