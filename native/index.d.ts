// The addon's types live in the library (packages/kwire/src/platform/addon.ts), whose published types use them.
export * from '../packages/kwire/src/platform/addon.js';
