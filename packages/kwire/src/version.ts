// The package version, read from kwire's package.json (platform/artifacts.ts).
import { kwireVersion } from './platform/artifacts.js';

/**
 * This kwire's package version: what `kwire --version` prints, capture headers hold (`kwireVersion`)
 * and every source's `stats().version` reports.
 *
 * @example
 * console.log(`kwire ${version}`); // kwire 0.1.0
 */
export const version: string = kwireVersion;
