/**
 * npm versions the generated project depends on, in one place. The repo's own tests install
 * and run exactly these, so keep them in step with this repo's devDependencies where shared.
 */
export const NPM_VERSIONS = {} as const;
