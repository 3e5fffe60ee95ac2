/**
 * Container images, pinned in one place: compose and Kubernetes both read them.
 * Bump deliberately; the tests check every emitted image is one of these.
 */
export const IMAGES = {} as const;
