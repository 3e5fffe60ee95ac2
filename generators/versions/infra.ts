/**
 * npm versions of the generated infra/ (the Pulumi program). The repo's tests run that program
 * and type-check it against the repo's own installed copies, so the Pulumi packages and yaml must
 * equal what this repo installs from its devDependencies (test/k8s asserts it): bump them together.
 * Kept apart from npm.ts so the clients and the Kubernetes areas can change their pins independently.
 */
import { NPM_VERSIONS } from './npm.ts';

export const INFRA_NPM_VERSIONS = {
  '@pulumi/pulumi': '3.276.0',
  '@pulumi/kubernetes': '4.34.2',
  // render.ts writes YAML and reads the addon files with it.
  yaml: '2.9.1',
  typescript: NPM_VERSIONS.typescript,
  '@types/node': NPM_VERSIONS['@types/node'],
} as const;
